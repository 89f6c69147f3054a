"""From a batch folder to readable files: which dossiers there are, which files each holds
(zips unpacked safely), and what each file says page by page.

Originals are read only; everything derived (unpacked members, page images, converted
Word files) goes to the caller's work folder. No function here raises on a bad file:
the problem becomes a `FileReading` with an error code and a Chinese reason.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path

from extractors.carriers import archive
from extractors.carriers.common import MAX_FILE_BYTES, failed
from extractors.carriers.docx import read_docx
from extractors.carriers.image import read_image
from extractors.carriers.legacy import KINDS as OFFICE_KINDS
from extractors.carriers.legacy import read_legacy
from extractors.carriers.ofd import read_ofd
from extractors.carriers.sheet import read_sheet
from extractors.carriers.pdf import read_pdf
from extractors.carriers.sniff import IMAGE_KINDS, sha256_file, sniff
from extractors.names import is_text, readable
from extractors.records import FileReading

log = logging.getLogger(__name__)


def dossier_id_of(src: Path) -> str:
    return readable(src.stem if src.is_file() else src.name)


def dossier_ids(sources: list[Path]) -> list[str]:
    """Each dossier's id, unique in the batch (its outputs' folder): the folder's name or the
    zip's stem. A zip left beside the folder it was unpacked to (D01/ and D01.zip) is named
    in full, and an id still taken gets （2）, （3）…: two dossiers never share outputs."""
    seen: set[str] = set()
    out = []
    for src in sources:
        did = dossier_id_of(src)
        if did in seen:
            did = readable(src.name)
        base, n = did, 2
        while did in seen:
            did, n = f"{base}（{n}）", n + 1
        seen.add(did)
        out.append(did)
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^\w\-.]+", "_", name)[:100] or "dossier"


def read_dossier(src: Path, work_dir: Path, dpi: int = 300) -> list[FileReading]:
    """Every file of one dossier read into pages, refused entries as readings with their
    reason; its scratch files go to a folder of its own under `work_dir`."""
    from extractors.isolation import document_reason

    dwork = Path(work_dir) / _safe(dossier_id_of(Path(src)))
    dwork.mkdir(parents=True, exist_ok=True)
    entries, refused = open_dossier(Path(src), dwork)
    readings = []
    for rel, path in entries:
        try:
            readings.append(read_file(rel, path, dwork, dpi=dpi))
        except Exception as exc:  # noqa: BLE001 - read_file guards its readers; this is the last net
            readings.append(failed(rel, path, "", "unknown", "corrupt", document_reason("read", exc)))
    return readings + list(refused)


def list_dossiers(batch_dir: Path) -> list[Path]:
    """Sub-folders and .zip files of the batch, sorted by name; loose files are not dossiers."""
    batch_dir = Path(batch_dir)
    out = []
    for p in batch_dir.iterdir():
        if p.name.startswith(".") or p.name == "__MACOSX":
            continue
        if p.is_symlink():
            continue
        if p.is_dir() or (p.is_file() and p.suffix.lower() == ".zip"):
            out.append(p)
    return sorted(out, key=lambda p: p.name)


def _refusal_reading(rel: str, src: Path, r: archive.Refusal) -> FileReading:
    return failed(rel, src, "", "zip-member", r.code, r.detail)


_OFFICE_SUFFIXES = {".docx", ".doc", ".wps", ".xlsx", ".xls", ".et", ".pptx", ".ppt", ".dps", ".ofd"}


def _is_zip(path: Path) -> bool:
    # A damaged .docx sniffs as a plain zip; it is still a document to report, not a folder.
    if path.suffix.lower() in _OFFICE_SUFFIXES:
        return False
    # By content: an OFD or a .docx named .zip is a document, not a folder.
    return sniff(path) == "zip"


def _collect(root: Path, prefix: str, work_dir: Path, depth: int,
             files: list[tuple[str, Path]], errors: list[FileReading]) -> None:
    """Walk a folder; unpack zips found in it; append (relative name, path) pairs."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != "__MACOSX" and not d.startswith("."))
        here = Path(dirpath)
        for d in list(dirnames):
            if (here / d).is_symlink():
                rel = prefix + readable((here / d).relative_to(root).as_posix())
                errors.append(failed(rel, here / d, "", "unknown", "symlink", "指向文件夹"))
                dirnames.remove(d)
        for name in sorted(filenames):
            path = here / name
            rel = prefix + readable(path.relative_to(root).as_posix())
            if archive._skip(rel):
                continue
            if path.is_symlink():
                errors.append(failed(rel, path, "", "unknown", "symlink"))
                continue
            _add(rel, path, work_dir, depth, files, errors)


def _add(rel: str, path: Path, work_dir: Path, depth: int,
         files: list[tuple[str, Path]], errors: list[FileReading]) -> None:
    """One file of a dossier: a zip is unpacked (its failure stays on it), anything else listed."""
    try:
        is_zip = path.is_file() and path.stat().st_size > 0 and _is_zip(path)
    except OSError:
        is_zip = False
    if not is_zip:
        files.append((rel, path))
        return
    try:
        _expand_zip(path, rel, work_dir, depth + 1, files, errors)
    except Exception as e:  # noqa: BLE001 - one archive's failure stays on that archive
        log.warning("unpacking %s failed", rel, exc_info=True)
        errors.append(failed(rel, path, "", "zip", "corrupt", f"解压时出错（{type(e).__name__}）"))


def _expand_zip(path: Path, rel: str, work_dir: Path, depth: int,
                files: list[tuple[str, Path]], errors: list[FileReading]) -> None:
    if depth > archive.MAX_DEPTH:
        errors.append(failed(rel, path, "", "zip", "unsafe_archive",
                             f"压缩包嵌套超过 {archive.MAX_DEPTH} 层"))
        return
    sha = sha256_file(path)
    result = archive.unpack(path, work_dir / "unpacked" / sha[:24])
    _add_unpacked(result, path, sha, rel, work_dir, depth, files, errors)


def _add_unpacked(result: archive.Unpacked, path: Path, sha: str, rel: str, work_dir: Path, depth: int,
                  files: list[tuple[str, Path]], errors: list[FileReading]) -> None:
    """The entries of an unpacked archive under their names in the archive (not the names
    they were given on disk), refused entries as findings; nested zips recurse."""
    prefix = f"{rel}/" if rel else ""
    if result.fatal:
        errors.append(failed(rel or path.name, path, sha, "zip", result.fatal.code, result.fatal.detail))
        return
    for r in result.refused:
        errors.append(_refusal_reading(prefix + r.name if r.name else (rel or path.name), path, r))
    if not result.members and not result.refused:
        errors.append(failed(rel or path.name, path, sha, "zip", "empty", "压缩包内没有文件"))
    for name, target in result.members:
        _add(prefix + name, target, work_dir, depth, files, errors)


def open_dossier(src: Path, work_dir: Path) -> tuple[list[tuple[str, Path]], list[FileReading]]:
    """Every file of one dossier as (relative name, readable path), plus refusals.

    A zip dossier's members are named as inside the zip; a zip inside a dossier names its
    members "<zip's relative path>/<member>". Nothing is written into `src`.
    """
    src = Path(src)
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    files: list[tuple[str, Path]] = []
    errors: list[FileReading] = []
    if src.is_dir():
        _collect(src, "", work_dir, 0, files, errors)
    elif src.is_file():
        sha = sha256_file(src)
        result = archive.unpack(src, work_dir / "unpacked" / sha[:24])
        _add_unpacked(result, src, sha, "", work_dir, 1, files, errors)
    else:
        errors.append(failed(src.name, src, "", "unknown", "corrupt", "申报材料不存在或无法访问"))
    files.sort(key=lambda t: t[0])
    return files, errors


def read_file(rel: str, path: Path, work_dir: Path, dpi: int = 300) -> FileReading:
    """Read one file into pages; never raises for a bad file."""
    path = Path(path)
    work_dir = Path(work_dir)
    try:
        size = path.stat().st_size
    except OSError as e:
        return failed(rel, path, "", "unknown", "corrupt", f"文件无法访问（{type(e).__name__}）")
    if size == 0:
        return failed(rel, path, "", "unknown", "empty")
    if size > MAX_FILE_BYTES:
        return failed(rel, path, "", "unknown", "too_large",
                      f"{size // (1024 * 1024)} MB，上限 {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        sha = sha256_file(path)
        kind = sniff(path)
    except OSError as e:
        return failed(rel, path, "", "unknown", "corrupt", f"文件无法读取（{type(e).__name__}）")
    work_dir.mkdir(parents=True, exist_ok=True)
    ext = readable(path.suffix.lower().lstrip("."))
    path = _openable(path, work_dir, sha)
    try:
        if kind == "pdf":
            reading = read_pdf(rel, path, work_dir, sha, dpi)
        elif kind in IMAGE_KINDS:
            reading = read_image(rel, path, work_dir, sha, kind)
        elif kind == "docx":
            reading = read_docx(rel, path, work_dir, sha)
        elif kind == "xlsx":
            reading = read_sheet(rel, path, sha)
        elif kind == "ofd":
            reading = read_ofd(rel, path, work_dir, sha, dpi)
        elif kind in OFFICE_KINDS:
            reading = read_legacy(rel, path, work_dir, sha, kind, dpi)
        elif kind == "zip":
            reading = failed(rel, path, sha, "zip", "unsupported", "压缩包应由 open_dossier 解压")
        else:
            label = {"rar": "RAR 压缩包", "7z": "7z 压缩包"}.get(kind, f".{ext or '无扩展名'}（内容无法识别）")
            reading = failed(rel, path, sha, "unknown", "unsupported", label)
    except Exception as e:  # a reader bug must not stop the batch; the reviewer sees the file
        log.exception("reading %s failed", rel)
        reading = failed(rel, path, sha, kind, "corrupt", f"读取时出错（{type(e).__name__}）")
    reading.meta.setdefault("sniffed_type", kind)
    reading.meta.setdefault("extension", ext)
    reading.meta.setdefault("size_bytes", size)
    if kind not in ("unknown", "empty") and ext and _ext_mismatch(ext, kind):
        reading.meta["extension_mismatch"] = True
    return reading


def _openable(path: Path, work_dir: Path, sha: str) -> Path:
    """`path`, or, when its name holds bytes that are not text (names.py), a link to it in
    the work folder under a plain name: readers such as pikepdf cannot open it by its own."""
    if is_text(str(path)):
        return path
    alias = work_dir / "renamed" / (sha[:24] + (path.suffix if is_text(path.suffix) else ""))
    # made beside and renamed into place: another reader of the same bytes may be here too
    tmp = alias.with_name(f"{alias.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        alias.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(path.resolve())
        os.replace(tmp, alias)
    except OSError:
        return path
    return alias


_EXT_KINDS = {
    "pdf": {"pdf"}, "jpg": {"jpeg"}, "jpeg": {"jpeg"}, "png": {"png"}, "tif": {"tiff"},
    "tiff": {"tiff"}, "docx": {"docx"}, "doc": {"doc", "docx", "rtf"}, "wps": {"wps", "doc", "docx"},
    "xls": {"xls"}, "et": {"xls"}, "xlsx": {"xlsx"}, "ppt": {"ppt"}, "dps": {"ppt"}, "pptx": {"pptx"},
    "gif": {"gif"}, "bmp": {"bmp"}, "webp": {"webp"}, "zip": {"zip"}, "ofd": {"ofd"},
}


def _ext_mismatch(ext: str, kind: str) -> bool:
    expected = _EXT_KINDS.get(ext)
    return expected is not None and kind not in expected
