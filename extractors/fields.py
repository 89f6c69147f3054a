"""Field extraction: what each document says, with the provenance of every value.

Patterns are data: ``data/fields/<doc_type>.yaml`` lists per field its label variants (an
``EntityRuler`` in ``nlp.py`` finds them), the value kind (how the text after the label is
parsed and normalised), optional regex ``patterns`` and an ``anywhere`` entity fallback for
labels lost to OCR, and ``enum`` cues for values stated by wording (certificate system,
basic account, open-ended contract). A value is looked for after its label on the same
line (up to the next label or table cell), then on the next line. Values not found are
absent, never guessed; ``derive`` fills a field from another one with engine ``derived``.

Field names per document type (the keys of ``Document.fields``):
- id_card: name, sex, ethnicity, birth_date, address, id_number, id_issuer, id_valid_from, id_valid_until
- qualification_certificate: name, sex, id_number, occupation, level, certificate_kind,
  certificate_number, certificate_issue_date, certificate_issuer
- business_licence: uscc, name, unit_type, legal_representative, registered_capital (yuan),
  established, term_end, term_open_ended, address, registration_authority
- bank_account: account_name, account_number, bank, legal_representative,
  basic_account_licence_no, account_kind (basic | unknown)
- labour_contract: employer_name, employer_uscc, employer_legal_representative, name, sex,
  id_number, occupation, contract_start, contract_end, contract_open_ended ("true")
- application_form: name, uscc, address, unit_type, contact, phone, station_leader;
  ``rows``: name, sex, birth_month (YYYY-MM), occupation, level, certificate_number, id_number
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors import normalize as nz
from extractors.nlp import field_spec, get_nlp, nfkc
from extractors.records import Document, FieldValue, Page, Provenance, TextLine

_SEP = " \t:|;,，、"
_LEAD = re.compile(r"^[\s:|;,，、.]*(?:\([^)]{0,10}\))?[\s:|;,，、]*")
_PERSON = re.compile(r"[\u4e00-\u9fff]{1,4}(?:·[\u4e00-\u9fff]{1,12})?")
_ID_IN = re.compile(r"[0-9OlISB]{6}\s?[0-9OlISB]{8}\s?[0-9OlISB]{3}[0-9OlISBXx×]")
_USCC_IN = re.compile(r"[0-9A-Z]{18}")
_CERT_IN = re.compile(r"[SY5]\s?(?:[0-9OlI]\s?){18}[0-9OlI]|(?:[0-9OlI]\s?){15}[0-9OlI]")
_ACCOUNT_IN = re.compile(r"[0-9](?:[ \-]?[0-9OlI]){9,29}")
_LICENCE_IN = re.compile(r"[JL1]\s?(?:[0-9OlI]\s?){12}[0-9OlI]")
_PHONE_IN = re.compile(r"(?:\d[\d\-]{6,14}\d)")


@dataclass
class _Hit:
    field: str
    line: int
    start: int  # char offsets inside the line
    end: int


# --- value kinds ----------------------------------------------------------------------

def _text(v: str) -> str | None:
    v = _LEAD.sub("", v)
    v = re.split(r"\s*\|\s*|\s{2,}", v, maxsplit=1)[0]
    v = nz.fix_ocr_words(v).strip(_SEP + "。")
    return v or None


def _search_compact(rx: re.Pattern, kind: str):
    def parse(v: str) -> str | None:
        m = rx.search(v)
        return nz.compact_identifier(m.group(0), kind) if m else None
    return parse


def _person(v: str) -> str | None:
    m = _PERSON.match(_LEAD.sub("", v).replace(" ", ""))
    return m.group(0) if m and len(m.group(0)) >= 2 else None


def _money(v: str) -> str | None:
    amount = nz.parse_money(v)
    return f"{amount:.2f}" if amount is not None else None


def _phone(v: str) -> str | None:
    m = _PHONE_IN.search(v)
    return m.group(0) if m else None


KINDS = {
    "text": _text,
    "person": _person,
    "sex": nz.normalize_sex,
    "date": nz.parse_date,
    "month": nz.parse_month,
    "level": nz.normalize_level,
    "money": _money,
    "phone": _phone,
    "id": _search_compact(_ID_IN, "id"),
    "uscc": _search_compact(_USCC_IN, "uscc"),
    "cert": _search_compact(_CERT_IN, "cert"),
    "account": _search_compact(_ACCOUNT_IN, "account"),
    "licence": _search_compact(_LICENCE_IN, "licence"),
}

DERIVATIONS = {"sex_from_id": nz.sex_from_id, "birth_from_id": nz.birth_from_id}


# --- one page ---------------------------------------------------------------------------

class _PageReader:
    """The lines of one page with label and code entities located per line."""

    def __init__(self, page: Page, doc_type: str):
        self.page = page
        self.doc_type = doc_type
        self.lines: list[TextLine] = [ln for ln in page.lines if ln.text and ln.text.strip()]
        self.texts = [nfkc(ln.text) for ln in self.lines]
        text = "\n".join(self.texts)
        starts, pos = [], 0
        for t in self.texts:
            starts.append(pos)
            pos += len(t) + 1
        self.doc = get_nlp(doc_type)(text)
        self.labels: list[_Hit] = []
        self.codes: list[tuple[str, int, str]] = []  # (entity label, line, text)
        for ent in self.doc.ents:
            li = _line_of(starts, ent.start_char)
            if ent.label_.startswith("L:"):
                self.labels.append(_Hit(ent.label_[2:], li, ent.start_char - starts[li], ent.end_char - starts[li]))
            else:
                self.codes.append((ent.label_, li, ent.text))

    def labels_on(self, li: int) -> list[_Hit]:
        return [h for h in self.labels if h.line == li]

    def prov(self, line_idx: list[int], value: str, engine: str | None = None) -> Provenance:
        lines = [self.lines[i] for i in sorted(set(line_idx))]
        boxes = [ln.bbox for ln in lines if ln.bbox]
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes)) if boxes else None
        return Provenance(
            file=self.page.file, page=self.page.page, bbox=bbox,
            confidence=min((ln.confidence for ln in lines), default=0.0),
            text="\n".join(self.texts[i] for i in sorted(set(line_idx))),
            engine=engine or (lines[0].engine if lines else "unknown"),
            value=value, doc_type=self.doc_type)


def _line_of(starts: list[int], char: int) -> int:
    lo = 0
    for i, s in enumerate(starts):
        if s <= char:
            lo = i
    return lo


def _after_label(reader: _PageReader, hit: _Hit) -> str:
    """Text after a label up to the next label on the same line."""
    text = reader.texts[hit.line]
    nxt = [h.start for h in reader.labels_on(hit.line) if h.start >= hit.end]
    return text[hit.end:min(nxt) if nxt else len(text)]


def _line_head(reader: _PageReader, li: int) -> str | None:
    """The start of a line up to its first label; None when the line starts with a label."""
    hits = reader.labels_on(li)
    first = min((h.start for h in hits), default=len(reader.texts[li]))
    head = reader.texts[li][:first]
    return head if head.strip(_SEP) else None


def _from_labels(reader: _PageReader, name: str, spec: dict, parse) -> list[tuple[str, list[int]]]:
    found = []
    for hit in (h for h in reader.labels if h.field == name):
        rest = _after_label(reader, hit)
        value = parse(rest) if rest.strip(_SEP) else None
        used = [hit.line]
        nxt = hit.line + 1
        if value is None and nxt < len(reader.texts):
            head = _line_head(reader, nxt)
            if head is not None:
                value = parse(head)
                used.append(nxt)
        if value is None:
            continue
        for extra in range(spec.get("multiline", 0)):
            li = used[-1] + 1
            if li >= len(reader.texts) or reader.labels_on(li) or any(c[1] == li for c in reader.codes):
                break
            more = _text(reader.texts[li])
            if not more or len(more) > 40:
                break
            value += more
            used.append(li)
        found.append((value, used))
    return found


def _from_patterns(reader: _PageReader, spec: dict, parse) -> list[tuple[str, list[int]]]:
    found = []
    for rx in spec.get("patterns", []):
        crx = re.compile(nfkc(rx))
        for li, text in enumerate(reader.texts):
            joined = text + (reader.texts[li + 1] if li + 1 < len(reader.texts) else "")
            for candidate, used in ((text, [li]), (joined, [li, li + 1])):
                m = crx.search(candidate)
                if m:
                    value = parse(m.group("v") if "v" in crx.groupindex else m.group(0))
                    if value is not None:
                        found.append((value, used))
                        break
    return found


def _from_anywhere(reader: _PageReader, spec: dict, parse) -> list[tuple[str, list[int]]]:
    labels = spec["anywhere"] if isinstance(spec["anywhere"], list) else [spec["anywhere"]]
    found = []
    for label, li, text in reader.codes:
        if label in labels:
            value = parse(text)
            if value is not None:
                found.append((value, [li]))
    return found


def _from_enum(reader: _PageReader, spec: dict) -> list[tuple[str, list[int]]]:
    for value, cues in spec["enum"].items():
        for cue in cues:
            crx = re.compile(nfkc(cue))
            for li, text in enumerate(reader.texts):
                if crx.search(text):
                    return [(str(value), [li])]
    return []


def _range_outputs(values: list[tuple[str, list[int]]], spec: dict, raw: list[str]) -> dict:
    out: dict[str, list[tuple[str, list[int]]]] = {}
    names = spec["outputs"]
    for text, used in values:
        start, end, open_ended = nz.parse_date_range(text)
        if start and "start" in names:
            out.setdefault(names["start"], []).append((start, used))
        if end and "end" in names:
            out.setdefault(names["end"], []).append((end, used))
        if open_ended and "open" in names:
            out.setdefault(names["open"], []).append(("true", used))
    return out


def _range_text(v: str) -> str | None:
    start, end, open_ended = nz.parse_date_range(v)
    return v if start or end or open_ended else None


def extract_page(page: Page, doc_type: str) -> dict[str, list[FieldValue]]:
    """All fields of one page of a document of ``doc_type``."""
    spec_all = field_spec(doc_type)
    reader = _PageReader(page, doc_type)
    result: dict[str, list[FieldValue]] = {}

    def add(name: str, hits: list[tuple[str, list[int]]]):
        for value, used in hits:
            existing = result.setdefault(name, [])
            if all(fv.value != value for fv in existing):
                existing.append(FieldValue(value, reader.prov(used, value)))

    for name, spec in (spec_all.get("fields") or {}).items():
        if "enum" in spec:
            add(name, _from_enum(reader, spec))
            continue
        kind = spec.get("kind", "text")
        parse = _range_text if kind == "date_range" else KINDS[kind]
        hits = _from_labels(reader, name, spec, parse)
        if not hits and spec.get("patterns"):
            hits = _from_patterns(reader, spec, parse)
        if not hits and spec.get("anywhere"):
            hits = _from_anywhere(reader, spec, parse)
        if kind == "date_range":
            for out_name, out_hits in _range_outputs(hits, spec, reader.texts).items():
                add(out_name, out_hits)
        else:
            add(name, hits)

    for target, rule in (spec_all.get("derive") or {}).items():
        func, source = DERIVATIONS[rule["from"]], rule["source"]
        if target in result or source not in result:
            continue
        src = result[source][0]
        value = func(src.value)
        if value:
            prov = Provenance(**{**src.prov.__dict__, "value": value, "engine": "derived", "rereads": []})
            result[target] = [FieldValue(value, prov)]

    if spec_all.get("table"):
        from extractors.table import read_table  # local: only forms carry a member table
        rows = read_table(reader, spec_all["table"])
        if rows:
            result["__rows__"] = rows  # type: ignore[assignment]
    return result


def extract_fields(doc: Document, pages: list[Page]) -> Document:
    """Fill ``doc.fields`` (and ``doc.rows`` for the form) from the document's pages."""
    mine = [p for p in pages if p.file == doc.file and p.page in doc.pages and not p.error]
    mine.sort(key=lambda p: doc.pages.index(p.page))
    for page in mine:
        page_fields = extract_page(page, doc.type)
        doc.rows.extend(page_fields.pop("__rows__", []))  # type: ignore[arg-type]
        for name, values in page_fields.items():
            existing = doc.fields.setdefault(name, [])
            for fv in values:
                if all(e.value != fv.value for e in existing):
                    existing.append(fv)
    return doc
