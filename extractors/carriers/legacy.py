"""Legacy Word / WPS (.doc, .wps, .rtf): convert to .docx with LibreOffice, then read as docx;
binary spreadsheets (.xls/.et): convert to .xlsx, then read by cell; slides (.ppt/.dps, .pptx):
convert to PDF, then read as PDF.

Conversion runs on a copy in a private temp folder with its own LibreOffice profile, so
two conversions in parallel do not fight over the user profile lock and the original is
never opened by LibreOffice (which may write lock files beside it).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from extractors.carriers.common import failed
from extractors.carriers.docx import read_docx
from extractors.records import FileReading

CONVERT_TIMEOUT = 120.0


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# kind -> (name the copy is given, LibreOffice export filter, what the result is read as).
# Slides become PDF: their pages then read like any PDF (text layer, boxes).
_CONVERSIONS = {
    "doc": ("input.doc", "docx:MS Word 2007 XML", "docx"),
    # Kingsoft .wps files are Word-compatible OLE documents; named .wps, LibreOffice would
    # try its Microsoft Works filter instead.
    "wps": ("input.doc", "docx:MS Word 2007 XML", "docx"),
    "rtf": ("input.rtf", "docx:MS Word 2007 XML", "docx"),
    # Sheets are read by their cells (extractors/carriers/sheet.py): a printed sheet clips
    # text to the column width.
    "xls": ("input.xls", "xlsx:Calc MS Excel 2007 XML", "xlsx"),  # also Kingsoft .et
    "ppt": ("input.ppt", "pdf:impress_pdf_Export", "pdf"),  # also Kingsoft .dps
    "pptx": ("input.pptx", "pdf:impress_pdf_Export", "pdf"),
}
KINDS = frozenset(_CONVERSIONS)


def read_legacy(rel: str, path: Path, work_dir: Path, sha256: str, kind: str, dpi: int = 300) -> FileReading:
    exe = soffice_path()
    if exe is None:
        return failed(rel, path, sha256, kind, "legacy_unconverted")
    name, export, result_kind = _CONVERSIONS[kind]
    out_dir = work_dir / "converted"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{sha256[:24]}.{result_kind}"
    if not target.exists():
        with tempfile.TemporaryDirectory(prefix="legacy_", dir=work_dir) as tmp:
            tmp_path = Path(tmp).resolve()  # a file URI needs an absolute path
            src = tmp_path / name
            shutil.copyfile(path, src)
            profile = (tmp_path / "profile").as_uri()
            cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--convert-to", export, "--outdir", str(tmp_path / "out"), str(src)]
            try:
                proc = subprocess.run(cmd, capture_output=True, timeout=CONVERT_TIMEOUT)
            except subprocess.TimeoutExpired:
                return failed(rel, path, sha256, kind, "corrupt",
                              f"LibreOffice 转换超时（{CONVERT_TIMEOUT:.0f} 秒），文件可能已损坏")
            except OSError as e:
                return failed(rel, path, sha256, kind, "legacy_unconverted", f"LibreOffice 无法启动（{e}）")
            produced = tmp_path / "out" / f"input.{result_kind}"
            if proc.returncode != 0 or not produced.exists():
                return failed(rel, path, sha256, kind, "corrupt",
                              f"LibreOffice 无法转换此文件（返回码 {proc.returncode}）")
            shutil.move(str(produced), target)
    if result_kind == "pdf":
        from extractors.carriers.pdf import read_pdf

        reading = read_pdf(rel, target, work_dir, sha256, dpi)
        reading.kind = kind
    elif result_kind == "xlsx":
        from extractors.carriers.sheet import read_sheet

        reading = read_sheet(rel, target, sha256, kind=kind)
    else:
        reading = read_docx(rel, target, work_dir, sha256, kind=kind)
    reading.source_path = str(path)
    reading.meta["converted_by"] = "libreoffice"
    reading.meta["converted_path"] = str(target)
    return reading
