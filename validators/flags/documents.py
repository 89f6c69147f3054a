"""Document-level forensics: PDF_EDITED, TEXT_LAYER_MISMATCH, IMAGE_TAMPERED."""
from __future__ import annotations

import os
import re
import unicodedata

from extractors.isolation import guarded
from extractors.layer_regions import ID_TOKEN, inside
from extractors.page_image import is_cached
from extractors.records import DossierRecord, Page, Provenance, TextLine
from validators.findings import Flag
from validators.findings_util import make_flag, person_label
from validators.forensics import ela
from validators.forensics.pdf import inspect_pdf, pages_changed_by_updates

# Characters Tesseract/RapidOCR confuse in printed identifiers. A difference between text
# layer and OCR is forgiven only when every differing character is such a pair, and at most
# one per 8 characters: a forger who edits a text layer typically changes a digit or two (a
# birth year, a certificate serial) to another digit, and "any one error in 18" would hide
# exactly the edit this flag exists for. Known blind spot: an edit within a pair (3 -> 8).
CONFUSABLE = [set("0ODQ"), set("1IL7"), set("5S"), set("8B3"), set("2Z"), set("6GB"), set("XK"), set("9G")]
# Identifier-like tokens (ID, USCC, certificate and account numbers): the ones the OCR
# stage reads the image around (extractors.layer_regions).
_ID_TOKEN = ID_TOKEN
MIN_OCR_CONFIDENCE = 0.5  # below this mean OCR confidence the page image was not read well enough
_CJK = re.compile(r"[\u4e00-\u9fff]")


def page_owner(record: DossierRecord, file: str, page: int) -> str:
    """Subject for a page finding: the member whose document it is, else the page itself."""
    for m in record.members:
        for provs in m.provenance.values():
            if any(p.file == file and p.page == page and p.doc_type not in (None, "application_form") for p in provs):
                return person_label(m.name, m.id_number)
    return f"{file}第{page}页"


def pdf_flags(record: DossierRecord) -> list[Flag]:
    flags = []
    for f in record.files:
        # A file reading refused (encrypted, corrupt) has its finding already.
        if f.kind != "pdf" or f.error_code or not f.source_path or not os.path.exists(f.source_path):
            continue
        reasons = guarded(record, f.file, "forensics", lambda: inspect_pdf(f.source_path), [])
        if reasons:
            changed = guarded(record, f.file, "forensics", lambda: pages_changed_by_updates(f.source_path), [])
            if changed:
                reasons.insert(0, f"增量更新替换了第{'、'.join(map(str, changed))}页的页面内容（文件中保留的原始版本与现版本不同）")
            ev = [Provenance(file=f.file, page=p, bbox=None, confidence=1.0, text="", engine="pdf") for p in (changed or [1])]
            flags.append(make_flag("PDF_EDITED", f.file, f"第十五条第（一）项：{f.file}的文件结构显示创建后被编辑：" + "；".join(reasons), ev,
                                   proof=["pdf_incremental_edit"] if changed else ["single_forensic"]))
    return flags


def _clean(s: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", s)).upper()


def _confusable(a: str, b: str) -> bool:
    return any({a, b} <= s for s in CONFUSABLE)


def _near(token: str, text: str) -> bool:
    """token occurs in text exactly, or with confusable-pair substitutions only (≤ 1 per 8)."""
    if token in text:
        return True
    n = len(token)
    allowed = max(1, n // 8)
    for i in range(0, len(text) - n + 1):
        diffs = [(a, b) for a, b in zip(token, text[i:i + n]) if a != b]
        if len(diffs) <= allowed and all(_confusable(a, b) for a, b in diffs):
            return True
    return False


def _page_names(record: DossierRecord, page: Page) -> set[str]:
    names = set()
    for m in record.members:
        for p in m.provenance.get("name", []):
            if p.file == page.file and p.page == page.page and p.engine == "text_layer" and p.value:
                names.add(_clean(p.value))
    return names


def missing_layer_tokens(record: DossierRecord, page: Page) -> dict[str, list[TextLine]]:
    """Identifiers and names a text-layer page states that OCR of its image does not show,
    each with the layer lines stating it; empty where OCR read too little to compare. Where
    only regions of the image were read (`page.ocr_regions`), only what the layer states
    inside them is compared."""
    if page.text_source != "text_layer" or not page.ocr_lines:
        return {}
    ocr = _clean("".join(line.text for line in page.ocr_lines))
    if len(_CJK.findall(ocr)) < 4 and not re.search(r"\d{6}", ocr):
        return {}  # OCR read next to nothing: no basis for comparison
    if sum(line.confidence for line in page.ocr_lines) / len(page.ocr_lines) < MIN_OCR_CONFIDENCE:
        return {}
    layer = _clean("\n".join(line.text for line in page.lines))
    tokens = set(_ID_TOKEN.findall(layer)) | _page_names(record, page)
    stated = {t: [line for line in page.lines if t in _clean(line.text)] for t in sorted(tokens)}
    return {t: lines for t, lines in stated.items()
            if (page.ocr_regions is None or any(inside(line.bbox, page.ocr_regions) for line in lines))
            and not _near(t, ocr)}


def text_layer_flags(record: DossierRecord) -> list[Flag]:
    """A text layer stating what the page image does not. Confirmed (may be high) when the
    second engine's re-read of the line's box does not show it either; a token the re-read
    does show was the first engine's misreading and is dropped."""
    flags = []
    for page in record.pages:
        missing = guarded(record, page.file, "forensics", lambda: missing_layer_tokens(record, page), {})
        reread = page.layer_rereads or {}
        missing = {t: ls for t, ls in missing.items() if t not in reread or not _near(t, _clean(reread[t]))}
        if not missing:
            continue
        both = all(t in reread for t in missing)
        ev = [Provenance(file=page.file, page=page.page, bbox=line.bbox, confidence=1.0, text=line.text, engine="text_layer")
              for line in page.lines if any(line in ls for ls in missing.values())]
        flags.append(make_flag("TEXT_LAYER_MISMATCH", page_owner(record, page.file, page.page),
                               f"第十五条第（一）项：{page.file}第{page.page}页文字层中的“{'”、“'.join(missing)}”在页面图像的OCR结果中不存在"
                               + ("（另一识别引擎重读该处亦不存在）" if both else "") + "，文字层可能被修改",
                               ev, proof=["text_layer_both_engines"] if both else ["single_ocr"]))
    return flags


_FIELD_KEYS = ("name", "id_number", "certificate_number", "certificate_issue_date", "uscc", "account_number", "account_name")


_LABEL_END = re.compile(r"^.*?[:：”\"。]+\s*")


def value_box(p: Provenance):
    """The part of a field's box that holds the value, not its printed label: a pasted patch
    covers only the value, and averaging it with the label hides it. Characters of one
    line have near-equal widths in CJK print, so the split is proportional; a label alone
    on the first of several lines (发证日期: above 2025.09.18) leaves the lines under it,
    which are printed at near-equal heights."""
    x0, y0, x1, y1 = p.bbox
    lines = (p.text or "").split("\n")
    if len(lines) > 1:
        m = _LABEL_END.match(lines[0])
        if not m or m.end() < len(lines[0]):
            return p.bbox  # the first line holds more than its label: no split known
        top = y0 + (y1 - y0) / len(lines)
        return (x0, top, x1, y1) if y1 - top > 0.005 else p.bbox
    text = lines[0]
    m = _LABEL_END.match(text)
    if not m or m.end() >= len(text):
        return p.bbox
    start = x0 + (x1 - x0) * m.end() / len(text)
    return (start, y0, x1, y1) if x1 - start > 0.02 else p.bbox


def _page_scores(image_path: str, provs: list[Provenance]) -> list[dict] | None:
    try:
        scores = ela.region_scores(image_path, [value_box(p) for p in provs])
    except (OSError, ValueError):
        return None
    for p, s in zip(provs, scores):
        delta = ela.background_delta(image_path, value_box(p))
        s["background_delta"] = round(delta, 1) if delta is not None else None
    return scores


def image_flags(record: DossierRecord) -> list[Flag]:
    boxes: dict[tuple[str, int], list[Provenance]] = {}
    objs = [record.applicant, record.bank_account] + list(record.members)
    for o in objs:
        for k in _FIELD_KEYS:
            for p in o.provenance.get(k, []):
                if p.bbox:
                    boxes.setdefault((p.file, p.page), []).append(p)
    todo = [page for page in record.pages
            if page.source_image and page.image_path and os.path.exists(page.image_path) and boxes.get((page.file, page.page))]
    # Measured in any order (pages still decoded in the shared page cache first, so no page
    # is decoded twice); flagged in page order.
    scored = {}
    for page in sorted(todo, key=lambda pg: not is_cached(pg.image_path)):
        provs = boxes[(page.file, page.page)]
        scores = guarded(record, page.file, "forensics", lambda: _page_scores(page.image_path, provs), None)
        if scores is not None:
            scored[id(page)] = scores
    flags = []
    for page in todo:
        if id(page) not in scored:
            continue
        provs, scores = boxes[(page.file, page.page)], scored[id(page)]
        hits = [(p, s) for p, s in zip(provs, scores)
                if ela.suspicious(s) or (s["background_delta"] or 0) >= ela.BG_DELTA]
        if hits:
            listed = "；".join(f"“{p.text}”处误差水平比{s['ela_ratio']}、噪声比{s['noise_ratio']}、底色差{s['background_delta']}"
                              for p, s in hits)
            flags.append(make_flag("IMAGE_TAMPERED", page_owner(record, page.file, page.page),
                                   f"第十五条第（一）项：{page.file}第{page.page}页字段区域的压缩误差或噪声与页面其余部分不一致，疑似粘贴或修改：{listed}",
                                   [p for p, _ in hits], proof=["single_forensic"]))
    return flags
