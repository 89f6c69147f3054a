"""The screening steps wired as plain functions (no Prefect here).

`flows/screen.py` wraps these in Prefect tasks; `dossier-screen extract` and the tests call
them directly. Each step takes and returns plain records.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from extractors.records import DossierRecord, FileReading, Page, Provenance

# Text-layer pages that print an identifier are also OCR'd, so the text layer can be
# compared with what the page image shows (TEXT_LAYER_MISMATCH).
def _prints_identifier(text: str) -> bool:
    from validators.identifiers.patterns import pattern

    compact = text.replace(" ", "")
    return any(pattern(kind, "exact").search(compact) for kind in ("id", "uscc", "cert"))


def dossier_id_of(src: Path) -> str:
    return src.stem if src.is_file() else src.name


@dataclass
class OcrJob:
    dossier_id: str
    file: str
    page: int
    image_path: str
    text_layer: bool  # True: OCR only to cross-check the text layer


def read_dossier_files(src: Path, work_dir: Path, dpi: int = 300) -> list[FileReading]:
    from extractors.ingest import open_dossier

    dwork = work_dir / _safe(dossier_id_of(src))
    dwork.mkdir(parents=True, exist_ok=True)
    entries, refused = open_dossier(src, dwork)
    readings = [_read_one(rel, path, dwork, dpi) for rel, path in entries]
    return readings + list(refused)


def _read_one(rel: str, path: Path, work_dir: Path, dpi: int) -> FileReading:
    from extractors.carriers.common import failed
    from extractors.ingest import read_file
    from extractors.isolation import document_reason

    try:
        return read_file(rel, path, work_dir, dpi=dpi)
    except Exception as exc:  # noqa: BLE001 - read_file guards its readers; this is the last net
        return failed(rel, path, "", "unknown", "corrupt", document_reason("read", exc))


def ocr_jobs(dossier_id: str, files: list[FileReading]) -> list[OcrJob]:
    jobs = []
    for f in files:
        # A full text layer over a full-page scan is what someone's OCR software claimed the
        # image says: always read the image again to compare.
        over_image = {s.get("page") for s in f.meta.get("pages", []) if s.get("text_over_image")}
        # An OFD page without a scan is drawn from its own text: OCR could only confirm it.
        drawn = {s.get("page") for s in f.meta.get("pages", []) if s.get("image_from_text")}
        for p in f.pages:
            if not p.image_path:
                continue
            if p.needs_ocr:
                jobs.append(OcrJob(dossier_id, f.file, p.page, p.image_path, False))
            elif p.text_source == "text_layer" and p.page not in drawn and (
                p.page in over_image or _prints_identifier(p.text)
            ):
                jobs.append(OcrJob(dossier_id, f.file, p.page, p.image_path, True))
    return jobs


def apply_ocr(page: Page, result) -> None:
    """Put an OcrResult's lines on the page they were read from."""
    if result.error and not result.lines:
        if page.needs_ocr:
            page.error = _ocr_error_text(result.error)
        return
    if page.needs_ocr:
        if result.error:
            # Lines read before the time limit are kept, but the page is marked incomplete.
            page.error = _ocr_error_text(result.error) + "（已保留部分识别结果）"
        page.lines = list(result.lines)
        page.text_source = "ocr"
        page.rotation = result.rotation
        if result.upright_image_path:
            page.image_path = result.upright_image_path
        page.needs_ocr = False
    else:
        page.ocr_lines = list(result.lines)


def _ocr_error_text(code: str) -> str:
    if code == "ocr_timeout":
        return "文字识别超时，本页未能读取，请人工查看原件"
    return f"文字识别失败（{code}），请人工查看原件"


def extract_record(dossier_id: str, files: list[FileReading]) -> DossierRecord:
    """Classify, extract and assemble; a file or document whose step fails keeps its
    reason on its own document and the others are extracted as usual."""
    from extractors.assemble import assemble
    from extractors.classify import classify_pages
    from extractors.fields import extract_fields
    from extractors.isolation import document_reason, mark_document

    # Documents never span files, so classifying file by file gives the same documents.
    documents = []
    for f in files:
        if not f.pages:
            continue
        try:
            documents += classify_pages(f.pages)
        except Exception as exc:  # noqa: BLE001 - one file's failure stays on that file
            mark_document(documents, f.file, document_reason("extract", exc), [p.page for p in f.pages])
    by_key = {(p.file, p.page): p for f in files for p in f.pages}
    filled = []
    for doc in documents:
        doc_pages = [by_key[(doc.file, n)] for n in doc.pages if (doc.file, n) in by_key]
        try:
            filled.append(extract_fields(doc, doc_pages))
        except Exception as exc:  # noqa: BLE001
            doc.fields, doc.rows = {}, []
            mark_document([doc], doc.file, document_reason("extract", exc))
            filled.append(doc)
    try:
        return assemble(dossier_id, files, filled)
    except Exception:
        # Find the documents assembly fails on, note them, and assemble the rest.
        bad = [(d, e) for d in filled if (e := _assembly_error(dossier_id, files, d)) is not None]
        if not bad:
            raise  # not tied to any document: a dossier-level failure of this stage
        for d, _ in bad:
            d.fields, d.rows = {}, []
        record = assemble(dossier_id, files, filled)
        for d, exc in bad:
            mark_document([d], d.file, document_reason("extract", exc))
        return record


def _assembly_error(dossier_id: str, files: list[FileReading], doc) -> Exception | None:
    from extractors.assemble import assemble

    try:
        assemble(dossier_id, files, [doc])
        return None
    except Exception as exc:  # noqa: BLE001
        return exc


# Fields whose misreading would become an accusation: re-read before judging.
_CRITICAL = {
    "members": ("id_number", "certificate_number", "name"),
    "applicant": ("uscc", "name"),
    "bank_account": ("account_number", "account_name"),
}
_NAME_FIELDS = ("name", "account_name")
# Labels that precede a name on the same line; what follows the last one is the value.
_NAME_LABEL = re.compile(r"^.*?(?:姓名|单位名称|企业名称|申请单位|账户名称|存款人名称|户名|名称|甲方|乙方)(?:[（(][^）)]*[）)])?[：:]?")


def crosscheck_identifiers(record: DossierRecord, engine: str | None) -> int:
    """Re-read, with a second engine at a higher resolution, every OCR'd critical value
    that fails its check digit or disagrees with another document. Returns the count."""
    if not engine:
        return 0
    from extractors.normalize import compact_identifier
    from extractors.ocr import reread
    from validators.identifiers import identifier_is_valid

    done = 0
    owners = [("applicant", record.applicant), ("bank_account", record.bank_account)]
    owners += [("members", m) for m in record.members]
    for kind, owner in owners:
        for field in _CRITICAL[kind]:
            provs: list[Provenance] = owner.provenance.get(field, [])
            values = {p.value for p in provs if p.value}
            if field == "account_name":
                # The account must be in the applicant's name: the unit's name as the other
                # documents state it is what this reading is compared with.
                values |= {p.value for p in record.applicant.provenance.get("name", []) if p.value}
            for prov in provs:
                if prov.engine not in ("tesseract", "rapidocr") or prov.bbox is None or prov.rereads:
                    continue
                if field in _NAME_FIELDS:
                    suspect = len(values) > 1
                else:
                    suspect = len(values) > 1 or not identifier_is_valid(field, prov.value)
                if not suspect:
                    continue
                page = record.page(prov.file, prov.page)
                if page is None or not page.image_path:
                    continue
                other = engine if engine != prov.engine else "tesseract"
                try:
                    lines = reread(page.image_path, prov.bbox, engine=other)
                except Exception as exc:  # a failed re-read is recorded, never fatal
                    prov.rereads.append({"engine": other, "error": str(exc)[:200]})
                    continue
                text = "".join(line.text for line in lines)
                if field in _NAME_FIELDS:
                    # Another document's value inside the re-read line (which may carry a
                    # neighbouring word or the whole sentence) is the best candidate.
                    compact = text.replace(" ", "")
                    inside = [v for v in values if v and v in compact]
                    # A value that is only part of another found one (谢家 inside 谢家豪) is a
                    # fragment, not a competing reading.
                    inside = [v for v in inside if not any(v != w and v in w for w in inside)]
                    candidate = max(inside, key=len) if inside else _name_candidate(text)
                else:
                    candidate = _best_candidate(field, compact_identifier(text))
                prov.rereads.append({
                    "engine": other,
                    "text": text,
                    "value": candidate,
                    "confidence": min((line.confidence for line in lines), default=0.0),
                })
                done += 1
            _adopt_reread(owner, field, provs, values)
    return done


def crosscheck_text_layers(record: DossierRecord, engine: str | None) -> int:
    """Re-read, with the second engine, the box of every text-layer line stating an
    identifier or name that the first OCR of the page image did not show: the mismatch is
    confirmed only when neither engine sees it. Returns the count."""
    if not engine:
        return 0
    from extractors.ocr import reread
    from validators.flags.documents import missing_layer_tokens

    from extractors.isolation import guarded

    done = 0
    for page in record.pages:
        if not page.image_path:
            continue
        missing = guarded(record, page.file, "crosscheck", lambda: missing_layer_tokens(record, page), {})
        for token, lines in missing.items():
            boxes = [ln.bbox for ln in lines if ln.bbox]
            if not boxes:
                continue
            first = page.ocr_lines[0].engine if page.ocr_lines else None
            other = engine if engine != first else "tesseract"
            try:
                read = reread(page.image_path, boxes[0], engine=other)
            except Exception:  # noqa: BLE001 - a failed re-read leaves the mismatch unconfirmed
                continue
            page.layer_rereads[token] = "".join(line.text for line in read)
            done += 1
    return done


def crosscheck_dates(record: DossierRecord, engine: str | None, today: date | None = None) -> int:
    """Re-read, with the second engine, an OCR'd certificate issue date that a date rule
    would object to (issued before the holder turned 16, or in the future): a date rule
    stands only on a date read the same way twice. Returns the count."""
    if not engine:
        return 0
    from extractors.normalize import parse_date
    from extractors.ocr import reread
    from validators.identifiers import ric

    today = today or date.today()
    done = 0
    for m in record.members:
        issued = _iso_date(m.certificate_issue_date)
        born = ric.get_birth_date(m.id_number) if m.id_number and ric.is_valid(m.id_number) else _iso_date(m.birth_date)
        if not issued or not (issued > today or (born and issued.year - born.year <= 16)):
            continue
        for prov in m.provenance.get("certificate_issue_date", [])[:1]:
            page = record.page(prov.file, prov.page)
            if prov.engine not in ("tesseract", "rapidocr") or prov.bbox is None or prov.rereads or not page or not page.image_path:
                continue
            other = engine if engine != prov.engine else "tesseract"
            try:
                lines = reread(page.image_path, prov.bbox, engine=other)
            except Exception as exc:  # noqa: BLE001 - recorded, never fatal
                prov.rereads.append({"engine": other, "error": str(exc)[:200]})
                continue
            text = "".join(line.text for line in lines)
            prov.rereads.append({"engine": other, "text": text, "value": parse_date(text),
                                 "confidence": min((line.confidence for line in lines), default=0.0)})
            done += 1
    return done


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _adopt_reread(owner, field: str, provs: list[Provenance], peers: set[str] | None = None) -> None:
    """Take the second engine's reading as the field's value when it is confirmed: it agrees
    with what another document states, or it turns a failing identifier into a valid one.
    The first reading stays in the provenance; validators still see both."""
    from validators.identifiers import identifier_is_valid

    if not provs or not provs[0].rereads:
        return
    first = provs[0]
    others = {p.value for p in provs[1:] if p.value} | ((peers or set()) - {first.value})
    for r in first.rereads:
        value = r.get("value")
        if not value or value == first.value:
            continue
        confirmed = value in others
        if field not in _NAME_FIELDS and not identifier_is_valid(field, first.value) and identifier_is_valid(field, value):
            confirmed = True
        if confirmed:
            setattr(owner, field, value)
            r["adopted"] = True
            return


def _best_candidate(field: str, text: str) -> str | None:
    from validators.identifiers.patterns import pattern

    kinds = {"id_number": "id", "uscc": "uscc", "certificate_number": "cert"}
    rx = pattern(kinds[field], "exact") if field in kinds else re.compile(r"\d{12,25}")
    m = rx.search(text)
    return m.group(0) if m else None


def _name_candidate(text: str) -> str | None:
    value = _NAME_LABEL.sub("", text.replace(" ", ""), count=1)
    value = re.sub(r"[^\u4e00-\u9fff（）()·]", "", value)
    return value or None


def _safe(name: str) -> str:
    return re.sub(r"[^\w\-.]+", "_", name)[:100] or "dossier"


def parse_as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else date.today()
