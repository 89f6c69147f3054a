"""Safe unpacking of zip dossiers and zips inside dossiers.

Applicants' zips come from Windows machines (member names in GBK without the UTF-8 flag)
and from anyone at all: nothing in an archive may write outside its target folder, create
links, or fill the disk. Refused members are reported, never silently dropped.
"""
from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from extractors.names import decode_name
from extractors.nlp import load_yaml

_LIMITS = load_yaml("archive_limits.yaml")
# Module names, read at call time, so a test can lower one limit.
MAX_ENTRIES = int(_LIMITS["max_entries"])
MAX_ENTRY_BYTES = int(_LIMITS["max_entry_bytes"])
MAX_TOTAL_BYTES = int(_LIMITS["max_total_bytes"])
MAX_RATIO = float(_LIMITS["max_ratio"])
MAX_TOTAL_RATIO = float(_LIMITS["max_total_ratio"])
RATIO_MIN_BYTES = int(_LIMITS["ratio_min_bytes"])
MAX_DEPTH = int(_LIMITS["max_depth"])
_MB = 1024 * 1024

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


@dataclass
class Refusal:
    name: str  # the entry's name; "" for the archive as a whole
    code: str  # unsafe_archive | encrypted | corrupt | too_large
    detail: str  # Chinese, for the reviewer


@dataclass
class Unpacked:
    members: list[tuple[str, Path]] = field(default_factory=list)  # (member name, extracted path)
    refused: list[Refusal] = field(default_factory=list)
    fatal: Refusal | None = None  # the whole archive was refused


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name.

    Without the UTF-8 flag, zipfile decodes as cp437; undo that and decode the bytes
    (`names.decode_name`: UTF-8, else GBK).
    """
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    return decode_name(raw) or info.filename


def _unsafe_reason(name: str, info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        return "符号链接"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return "绝对路径"
    if any(part == ".." for part in PurePosixPath(norm).parts):
        return "路径包含 “..”（目录穿越）"
    if "\x00" in norm:
        return "名称含空字符"
    return None


def _skip(name: str) -> bool:
    # Artefacts of the packing machine, not submitted documents.
    parts = name.split("/")
    base = parts[-1]
    return (
        "__MACOSX" in parts
        or base in (".DS_Store", "Thumbs.db", "desktop.ini")
        or base.startswith("~$")
        or base.startswith("._")
    )


def _safe_disk_name(part: str) -> str:
    # Linux allows 255 bytes per component; long Chinese names can exceed it.
    if len(part.encode("utf-8")) <= 200:
        return part
    import hashlib

    return hashlib.sha1(part.encode("utf-8")).hexdigest()[:16] + PurePosixPath(part).suffix


class _Refused(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


def _bomb(size: int, packed: int) -> bool:
    return size > RATIO_MIN_BYTES and size > MAX_RATIO * max(1, packed)


def _check_header(info: zipfile.ZipInfo, name: str, written: int) -> None:
    """Refuse an entry on what its header declares (the copy re-checks the real bytes)."""
    reason = _unsafe_reason(name, info)
    if reason:
        raise _Refused("unsafe_archive", reason)
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise _Refused("encrypted", "压缩包条目设有密码")
    if info.file_size > MAX_ENTRY_BYTES:
        raise _Refused("too_large", f"解压后 {info.file_size // _MB} MB，单个条目上限 {MAX_ENTRY_BYTES // _MB} MB")
    if _bomb(info.file_size, info.compress_size):
        raise _Refused("unsafe_archive",
                       f"压缩比 {info.file_size // max(1, info.compress_size)}:1 异常（疑似压缩炸弹）")
    if written + info.file_size > MAX_TOTAL_BYTES:
        raise _Refused("unsafe_archive", f"压缩包解压总量将超过上限 {MAX_TOTAL_BYTES // _MB} MB，本条目未解压")


def _copy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, written: int) -> int:
    """Stream one entry to `target`, counting real bytes: stop (and delete the partial file)
    the moment it outgrows what its header declared, its ratio, or the archive's budget."""
    budget = min(info.file_size, MAX_ENTRY_BYTES, MAX_TOTAL_BYTES - written)
    size = 0
    try:
        with zf.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(1 << 20):
                size += len(chunk)
                if size > budget or _bomb(size, info.compress_size):
                    raise _Refused("unsafe_archive", "实际解压大小超过声明大小、压缩比或总量上限（疑似压缩炸弹）")
                out.write(chunk)
    except _Refused:
        target.unlink(missing_ok=True)
        raise
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as e:
        target.unlink(missing_ok=True)
        raise _Refused("corrupt", f"条目无法解压（{type(e).__name__}）") from e
    return size


def unpack(archive: Path, dest: Path) -> Unpacked:
    """Extract `archive` under `dest` (created), entry by entry: an entry that is unsafe,
    encrypted, too large or a bomb is refused and listed, and the others are still
    extracted. Never writes outside `dest`; the whole archive is refused only when it
    cannot be opened at all."""
    result = Unpacked()
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as e:
        result.fatal = Refusal(archive.name, "corrupt", f"压缩包无法打开（{type(e).__name__}）")
        return result
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ENTRIES:
            result.refused.append(Refusal(
                "", "unsafe_archive",
                f"条目数 {len(infos)} 超过上限 {MAX_ENTRIES}，只解压了前 {MAX_ENTRIES} 个，其余 {len(infos) - MAX_ENTRIES} 个未解压"))
            infos = infos[:MAX_ENTRIES]
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        written = packed = 0
        for info in infos:
            name = member_name(info).replace("\\", "/")
            if _skip(name):
                continue
            try:
                _check_header(info, name, written)
                if written > RATIO_MIN_BYTES and written > MAX_TOTAL_RATIO * max(1, packed):
                    raise _Refused("unsafe_archive", "压缩包整体压缩比异常（疑似压缩炸弹），本条目未解压")
                parts = [_safe_disk_name(p) for p in PurePosixPath(name).parts if p not in ("", ".")]
                target = root.joinpath(*parts)
                if not parts or not target.resolve().is_relative_to(root):
                    raise _Refused("unsafe_archive", "解压目标超出工作目录")
                target.parent.mkdir(parents=True, exist_ok=True)
                size = _copy(zf, info, target, written)
            except _Refused as r:
                result.refused.append(Refusal(name, r.code, r.detail))
                continue
            except OSError as e:  # e.g. a name the file system refuses
                result.refused.append(Refusal(name, "corrupt", f"条目无法写出（{type(e).__name__}）"))
                continue
            written += size
            packed += info.compress_size
            result.members.append((name, target))
    return result


def package_problem(path: Path) -> str | None:
    """Why a zip-based document (.docx, .ofd) must not be opened, or None.

    Their readers inflate parts into memory; zipfile never returns more than a part's
    declared size, so the declared sizes and ratios are what must be checked first.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None  # the reader reports a broken file itself
    if len(infos) > MAX_ENTRIES:
        return f"内部条目数 {len(infos)} 超过上限 {MAX_ENTRIES}"
    total = 0
    for info in infos:
        if info.file_size > MAX_ENTRY_BYTES or _bomb(info.file_size, info.compress_size):
            return (f"内部条目“{member_name(info)}”解压后 {info.file_size // _MB} MB，"
                    f"压缩比 {info.file_size // max(1, info.compress_size)}:1（疑似压缩炸弹）")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        return f"解压后总大小 {total // _MB} MB 超过上限 {MAX_TOTAL_BYTES // _MB} MB"
    return None
