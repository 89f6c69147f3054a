"""Second readings before judging: a critical value read by OCR that fails its check digit,
disagrees with another document, or would make a date rule object, is read again by the
other engine at a higher resolution; a text-layer identifier the page image does not show
is looked for again. A re-read is adopted only when confirmed (`_adopt_reread`), and both
readings stay in the provenance.
"""
from __future__ import annotations

import re
from datetime import date

from extractors.records import DossierRecord, Provenance


def crosscheck(record: DossierRecord, engine: str | None) -> int:
    """Every re-read a record's judgement needs, in order; returns how many were made."""
    return (crosscheck_identifiers(record, engine) + crosscheck_dates(record, engine)
            + crosscheck_text_layers(record, engine))


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
                    # A re-read that timed out or read nothing gives no candidate (not a crash).
                    candidate = _best_candidate(field, compact_identifier(text) or "")
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
