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

MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # 1 GiB unpacked per archive
MAX_ENTRIES = 2000
MAX_RATIO = 200  # uncompressed / compressed; scans and PDFs compress 1–10x
RATIO_MIN_BYTES = 1024 * 1024  # tiny files may compress absurdly well and are harmless
MAX_DEPTH = 3  # a zip in a zip in a zip dossier

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


@dataclass
class Refusal:
    name: str
    code: str  # unsafe_archive | encrypted | corrupt | too_large
    detail: str  # Chinese, for the reviewer


@dataclass
class Unpacked:
    members: list[tuple[str, Path]] = field(default_factory=list)  # (member name, extracted path)
    refused: list[Refusal] = field(default_factory=list)
    fatal: Refusal | None = None  # the whole archive was refused


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name.

    Without the UTF-8 flag, zipfile decodes as cp437; undo that and decode the bytes.
    UTF-8 is tried before GBK because GBK decodes most UTF-8 byte strings into
    plausible-looking nonsense, while UTF-8 rejects almost every GBK name.
    """
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


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


def unpack(archive: Path, dest: Path) -> Unpacked:
    """Extract `archive` under `dest` (created). Never writes outside `dest`."""
    result = Unpacked()
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        result.fatal = Refusal(archive.name, "corrupt", f"压缩包无法打开（{type(e).__name__}）")
        return result
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ENTRIES:
            result.fatal = Refusal(archive.name, "unsafe_archive",
                                   f"条目数 {len(infos)} 超过上限 {MAX_ENTRIES}")
            return result
        declared = sum(i.file_size for i in infos)
        if declared > MAX_TOTAL_BYTES:
            result.fatal = Refusal(archive.name, "unsafe_archive",
                                   f"解压后总大小 {declared // (1024 * 1024)} MB 超过上限 {MAX_TOTAL_BYTES // (1024 * 1024)} MB")
            return result
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        written = 0
        for info in infos:
            name = member_name(info).replace("\\", "/")
            if _skip(name):
                continue
            reason = _unsafe_reason(name, info)
            if reason:
                result.refused.append(Refusal(name, "unsafe_archive", reason))
                continue
            if info.flag_bits & _ENCRYPTED_FLAG:
                result.refused.append(Refusal(name, "encrypted", "压缩包条目设有密码"))
                continue
            if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(1, info.compress_size):
                result.refused.append(Refusal(
                    name, "unsafe_archive",
                    f"压缩比 {info.file_size // max(1, info.compress_size)}:1 异常（疑似压缩炸弹）"))
                continue
            parts = [_safe_disk_name(p) for p in PurePosixPath(name).parts if p not in ("", ".")]
            target = root.joinpath(*parts)
            if not target.resolve().is_relative_to(root):
                result.refused.append(Refusal(name, "unsafe_archive", "解压目标超出工作目录"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            # Count real bytes while copying: declared sizes in the header can lie.
            budget = min(info.file_size, MAX_TOTAL_BYTES - written)
            size = 0
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 20):
                        size += len(chunk)
                        if size > budget:
                            raise OverflowError
                        out.write(chunk)
            except OverflowError:
                target.unlink(missing_ok=True)
                result.refused.append(Refusal(name, "unsafe_archive", "实际解压大小超过声明大小或总量上限"))
                continue
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
                target.unlink(missing_ok=True)
                result.refused.append(Refusal(name, "corrupt", f"条目无法解压（{type(e).__name__}）"))
                continue
            written += size
            result.members.append((name, target))
    return result
