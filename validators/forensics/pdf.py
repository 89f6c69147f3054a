"""PDF structure evidence of editing after creation (PDF_EDITED).

Opened read-only with pikepdf and never saved. Signs, each a Chinese reason:
- incremental updates: more than one `%%EOF` / a /Prev chain in the trailer (every
  "save" of an editor appends an update section; scanners write one section);
- a producer/creator from an editing program (list in `validators/data/pdf_editors.yaml`);
- ModDate well after CreationDate;
- XMP metadata disagreeing with the Info dictionary (producer or dates), which happens
  when a tool rewrites one and not the other.
Linearized files legitimately have two sections and two `%%EOF`; they are recognised by
the /Linearized dictionary and counted as one.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

import pikepdf
import yaml

_DATA = Path(__file__).resolve().parent.parent / "data" / "pdf_editors.yaml"
_PDFDATE = re.compile(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")


@functools.cache  # read once per process: inspecting a PDF asked for it on every call
def _config() -> dict[str, Any]:
    return yaml.safe_load(_DATA.read_text(encoding="utf-8"))


def parse_pdf_date(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    m = _PDFDATE.match(str(value).strip())
    if not m:
        return None
    parts = [int(p) if p else d for p, d in zip(m.groups(), (0, 1, 1, 0, 0, 0))]
    try:
        return dt.datetime(*parts)
    except ValueError:
        return None


def _xmp_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return parse_pdf_date(re.sub(r"[-:T]", "", value))


def editor_of(text: str | None) -> str | None:
    if not text:
        return None
    cfg = _config()
    low = text.lower()
    if any(s.lower() in low for s in cfg.get("not_editors", [])):
        return None
    for s in cfg["editors"]:
        if s.lower() in low:
            return s
    return None


def count_updates(path: str | Path) -> int:
    """Number of update sections after the original (0 = written once)."""
    data = Path(path).read_bytes()
    eofs = len(re.findall(rb"%%EOF", data))
    linearized = b"/Linearized" in data[:2048]
    return max(0, eofs - 1 - (1 if linearized else 0))


def _original_end(data: bytes) -> int | None:
    """Where the file as first written ends (after its first %%EOF, or the second for a
    linearized file, whose first-page section ends with one); None when nothing follows."""
    ends = [m.end() for m in re.finditer(rb"%%EOF[\r\n]*", data)]
    first = 1 if b"/Linearized" in data[:2048] else 0
    return ends[first] if len(ends) > first + 1 else None


def _page_contents(pdf: pikepdf.Pdf) -> list[bytes]:
    out = []
    for page in pdf.pages:
        try:
            out.append(page.obj.get("/Contents").read_bytes() if isinstance(page.obj.get("/Contents"), pikepdf.Stream)
                       else b"".join(s.read_bytes() for s in page.obj.get("/Contents", [])))
        except (pikepdf.PdfError, TypeError, AttributeError):
            out.append(b"")
    return out


def pages_changed_by_updates(path: str | Path) -> list[int]:
    """1-based pages whose content an incremental update replaced, compared with the file as
    first written (the PDF's own structure keeps both): an edit of what the page says, not
    only of its metadata, annotations or signature. [] when there is no update or the
    original cannot be read."""
    data = Path(path).read_bytes()
    end = _original_end(data)
    if end is None:
        return []
    import io

    try:
        with pikepdf.open(io.BytesIO(data[:end])) as first, pikepdf.open(path) as last:
            before, after = _page_contents(first), _page_contents(last)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError, ValueError):
        return []
    changed = [i + 1 for i, (a, b) in enumerate(zip(before, after)) if a != b]
    return changed + list(range(len(before) + 1, len(after) + 1))


def inspect_pdf(path: str | Path) -> list[str]:
    """Chinese reasons suggesting the PDF was edited after it was created ([] if none)."""
    reasons: list[str] = []
    cfg = _config()
    updates = count_updates(path)
    try:
        pdf = pikepdf.open(path)  # read-only use: never saved
    except (pikepdf.PdfError, OSError):
        return reasons
    except pikepdf.PasswordError:
        # Opening needs the user password: reading refused the file already, and its
        # structure cannot be examined without decrypting it.
        return reasons
    with pdf:
        prev = pdf.trailer.get("/Prev")
        if updates:
            reasons.append(f"文件含{updates}次增量更新（保存后又被修改追加）")
        elif prev is not None and b"/Linearized" not in Path(path).read_bytes()[:2048]:
            reasons.append("交叉引用表含/Prev链（文件被增量修改）")
        info = pdf.docinfo
        producer = str(info.get("/Producer", "")) or None
        creator = str(info.get("/Creator", "")) or None
        for label, val in (("生成程序(Producer)", producer), ("创建程序(Creator)", creator)):
            ed = editor_of(val)
            if ed:
                reasons.append(f"{label}为编辑软件“{val}”")
        created = parse_pdf_date(info.get("/CreationDate"))
        modified = parse_pdf_date(info.get("/ModDate"))
        if created and modified and (modified - created).days > cfg.get("mod_gap_days", 2):
            reasons.append(f"修改日期{modified.date()}晚于创建日期{created.date()}达{(modified - created).days}天")
        try:
            meta = pdf.open_metadata()
            xmp_producer = meta.get("pdf:Producer")
            xmp_modify = _xmp_date(meta.get("xmp:ModifyDate"))
        except Exception:  # broken XMP is itself no evidence
            xmp_producer, xmp_modify = None, None
        if xmp_producer and producer and xmp_producer.strip() != producer.strip():
            reasons.append(f"XMP元数据的生成程序“{xmp_producer}”与文档信息“{producer}”不一致")
        if xmp_modify and modified and abs((xmp_modify - modified).total_seconds()) > 86400:
            reasons.append(f"XMP修改日期{xmp_modify.date()}与文档信息修改日期{modified.date()}不一致")
        ed = editor_of(xmp_producer)
        if ed and not editor_of(producer):
            reasons.append(f"XMP元数据记录的生成程序为编辑软件“{xmp_producer}”")
    return reasons
