"""Field extraction: what each document says, with the provenance of every value.

Patterns are data: ``data/fields/<doc_type>.yaml`` lists per field its label variants (an
``EntityRuler`` in ``nlp.py`` finds them), the value kind (how the text after the label is
parsed and normalised), optional regex ``patterns`` and an ``anywhere`` entity fallback for
labels lost to OCR, and ``enum`` cues for values stated by wording (certificate system,
basic account, open-ended contract). A value is looked for after its label on the same
line (up to the next label or table cell), then on a line of its own beside the label on
the same printed row (two-column layouts OCR splits into lines, value above or below the
label), then on the next line; ``pair_patterns`` find a value by the line next to it.
Identifiers read with one stray character are repaired only where a check character
makes the repair unique (USCC, resident ID). Values not found are absent, never guessed;
``derive`` fills a field from another one with engine ``derived``, only on documents that
print the field (``if_labelled`` / ``if_value``).

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
from validators.identifiers import certificate, ric, uscc
from validators.identifiers import patterns as idpat
from extractors.nlp import field_spec, get_nlp, nfkc
from extractors.records import Document, FieldValue, Page, Provenance, TextLine
from extractors.textclean import clean_line

_SEP = " \t:|;,，、"
_LEAD = re.compile(r"^[\s:|;,，、.。)]*(?:\([^)]{0,10}\))?[\s:|;,，、。)]*")
# spaces OCR leaves between Chinese and digits inside one value (明兴路 43 号)
_SPACE_NEAR_CJK = re.compile(r"(?<=[\u4e00-\u9fff（）])\s+|\s+(?=[\u4e00-\u9fff（）])")
_PERSON = re.compile(r"[\u4e00-\u9fff]{1,4}(?:·[\u4e00-\u9fff]{1,12})?")
# Identifier patterns and checks live once, with their standards (validators/identifiers).
_ID_IN, _ID_LONG = idpat.pattern("id"), idpat.pattern("id", "read_long")
_USCC_IN, _USCC_LONG = idpat.pattern("uscc"), idpat.pattern("uscc", "read_long")
_CERT_IN = idpat.pattern("cert")
_ACCOUNT_IN = re.compile(r"[0-9](?:[ \-]?[0-9OlI]){9,29}")
# 核准号: J followed by digits (DOCUMENTS.md); J is read as L or 1 at the start
_LICENCE_IN = re.compile(r"[JL1]\s?(?:[0-9OlI]\s?){7,15}[0-9OlI]")
_PHONE_IN = re.compile(r"(?:\d[\d\-]{6,14}\d)")


_ANNOTATION = re.compile(r"^\W*与原.{0,2}相[符特付]\W*$|^\W*与原件一致\W*$")


@dataclass
class _Hit:
    field: str
    line: int
    start: int  # char offsets inside the line
    end: int


# --- value kinds ----------------------------------------------------------------------

def _text(v: str) -> str | None:
    v = _TEXT_STROKE.sub("", _LEAD.sub("", v))
    if v.startswith("("):
        # a remark in parentheses (（职业技能鉴定指导中心）) qualifies a value printed on
        # another line; it is never the value itself
        return None
    v = re.split(r"\s*\|\s*|\s{2,}", v, maxsplit=1)[0]
    v = nz.fix_ocr_words(v).strip(_SEP + "。")
    # the canonical spelling every reader produces (（） in Chinese context)
    return _SPACE_NEAR_CJK.sub("", clean_line(v)) or None


def _identifier(v: str, exact, too_long, repair, kind: str) -> str | None:
    """A well-formed identifier in `v`, else one read with an extra character that exactly
    one deletion makes valid (`repair`), else None."""
    m = exact.search(v)
    if m:
        return nz.compact_identifier(m.group(0), kind)
    m = too_long.search(v)
    return repair(m.group(0)) if m else None


def _id(v: str) -> str | None:
    return _identifier(v, _ID_IN, _ID_LONG, ric.repair_extra_character, "id")


def _uscc(v: str) -> str | None:
    return _identifier(v, _USCC_IN, _USCC_LONG, uscc.repair_extra_character, "uscc")


def _cert(v: str) -> str | None:
    """A certificate number after its label: one of the published layouts, else the number
    as printed (older, regional and industry certificates follow other rules; the checks
    only ask to verify those)."""
    m = _CERT_IN.search(v)
    if m:
        return certificate.compact(m.group(0))
    m = certificate.LOOSE.search(v)
    if m:
        return certificate.compact(m.group(1) + m.group(2))
    m = certificate.AS_PRINTED.search(v)
    return certificate.compact(m.group(0)) if m else None


def _search_compact(rx: re.Pattern, kind: str):
    def parse(v: str) -> str | None:
        m = rx.search(v)
        return nz.compact_identifier(m.group(0), kind) if m else None
    return parse


# Printed labels that OCR may leave where a lost value was: never a person's name.
_NOT_NAMES = {"姓名", "性别", "民族", "出生", "住址", "签字", "签名", "盖章", "名称", "公民身份", "身份证"}


# A vertical stroke in the gap after a label (a colon's dots run together, a table rule,
# the card's printed divider) comes back as I, l, i, j, 1, ! or the radical 丨: never the
# start of a name.
_STROKE = re.compile(r"^[Ilij1!¦｜丨]\s*(?=[\u4e00-\u9fff])")
# The same stroke before a text value (评价机构:1 佛山市…, an untuned batch's certificate).
# A text value may start with a digit (1号楼, 12栋), so a 1 is a stroke only when a gap
# separates it from the characters after it.
_TEXT_STROKE = re.compile(r"^(?:[Ilij!¦｜丨]\s*|1\s+)(?=[\u4e00-\u9fff])")


def _person(v: str) -> str | None:
    # tesseract reads the wide blank's quote mark (”) as 了, never a surname
    m = _PERSON.match(_STROKE.sub("", _LEAD.sub("", v)).replace(" ", "").lstrip("了"))
    if not m or len(m.group(0)) < 2 or any(m.group(0).startswith(w) for w in _NOT_NAMES):
        return None
    return m.group(0)


def _money(v: str) -> str | None:
    amount = nz.parse_money(v)
    return f"{amount:.2f}" if amount is not None else None


def _number(v: str) -> str | None:
    m = re.search(r"\d+(?:\.\d+)?", v)
    return m.group(0) if m else None


def _digits(v: str) -> str | None:
    m = re.search(r"\d+", v)
    return m.group(0) if m else None


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
    "number": _number,
    "digits": _digits,
    "id": _id,
    "uscc": _uscc,
    "cert": _cert,
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
        # the copy annotation (与原件相符) is stamped anywhere, often right under a label
        self.lines: list[TextLine] = [ln for ln in page.lines if ln.text and ln.text.strip()
                                      and not _ANNOTATION.search(ln.text)]
        # provenance quotes the line as read; labels and values are matched on its
        # canonical form (offsets are never mapped back: provenance is per line)
        self.raw = [ln.text for ln in self.lines]
        self.texts = [nz.match_text(t) for t in self.raw]
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
            text="\n".join(self.raw[i] for i in sorted(set(line_idx))),
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


def _row_mate(reader: _PageReader, li: int) -> int | None:
    """A neighbouring line without labels on the same printed row as line ``li``, to its
    right (vertical overlap of at least half the lower line's height); None without one."""
    box = reader.lines[li].bbox
    if not box:
        return None
    best, best_x = None, None
    for other in range(max(0, li - 2), min(len(reader.lines), li + 3)):
        ob = reader.lines[other].bbox
        if other == li or not ob or reader.labels_on(other):
            continue
        overlap = min(box[3], ob[3]) - max(box[1], ob[1])
        if overlap < 0.5 * min(box[3] - box[1], ob[3] - ob[1]) or ob[0] < box[2] - 0.005:
            continue
        if best_x is None or ob[0] < best_x:
            best, best_x = other, ob[0]
    return best


def _from_labels(reader: _PageReader, name: str, spec: dict, parse) -> list[tuple[str, list[int]]]:
    found = []
    for hit in (h for h in reader.labels if h.field == name):
        rest = _after_label(reader, hit)
        value = parse(rest) if rest.strip(_SEP) else None
        used = [hit.line]
        nxt = hit.line + 1
        # the next line holds the value only for a label standing as a label (at the start of
        # its line or after a separator), not for a word inside a sentence (调整乙方工作岗位。)
        before = reader.texts[hit.line][:hit.start]
        standalone = not before.strip() or before.rstrip()[-1] in _SEP + ")|"
        if value is None and standalone and not rest.strip(_SEP):
            # OCR returns a value printed to the right of its label as a line of its own,
            # before or after the label's line depending on which sits a pixel higher
            mate = _row_mate(reader, hit.line)
            if mate is not None:
                value = parse(reader.texts[mate])
                if value is not None:
                    used = [mate, hit.line] if mate < hit.line else [hit.line, mate]
        if value is None and standalone and nxt < len(reader.texts):
            head = _line_head(reader, nxt)
            if head is not None:
                value = parse(head)
                used.append(nxt)
        if value is None:
            continue
        if spec.get("kind") == "date_range":
            value = _complete_range(reader, value, used)
        for extra in range(spec.get("multiline", 0)):
            li = used[-1] + 1
            if li >= len(reader.texts) or reader.labels_on(li) or any(c[1] == li for c in reader.codes):
                break
            # an address wraps onto short plain lines; a line with a colon is another field
            if ":" in reader.texts[li]:
                break
            more = _text(reader.texts[li])
            if not more or len(more) > 24:
                break
            value += more
            used.append(li)
        found.append((value, used))
    return found


def _from_patterns(reader: _PageReader, spec: dict, parse) -> list[tuple[str, list[int]]]:
    found = []
    n = len(reader.texts)
    for rx in spec.get("patterns", []):
        crx = re.compile(nfkc(rx))
        # single lines first; a pair of lines only for a statement broken by OCR
        for span in (1, 2):
            for li in range(n - span + 1):
                m = crx.search("".join(reader.texts[li:li + span]))
                if m:
                    value = parse(m.group("v") if "v" in crx.groupindex else m.group(0))
                    if value is not None:
                        found.append((value, list(range(li, li + span))))
            if found:
                return found
    return found


def _from_pairs(reader: _PageReader, spec: dict, parse) -> list[tuple[str, list[int]]]:
    """``pair_patterns``: regexes over two consecutive lines joined by a newline, for a value
    known by the line it stands above or below (a lone name above the 男/女 民族 line)."""
    found = []
    for rx in spec.get("pair_patterns", []):
        crx = re.compile(nfkc(rx), re.M)
        for li in range(len(reader.texts) - 1):
            m = crx.search(reader.texts[li] + "\n" + reader.texts[li + 1])
            if m:
                value = parse(m.group("v"))
                if value is not None:
                    at = li if m.start("v") <= len(reader.texts[li]) else li + 1
                    found.append((value, [at]))
        if found:
            return found
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


def _range_outputs(values: list[tuple[str, list[int]]], spec: dict) -> dict:
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


def _complete_range(reader: _PageReader, value: str, used: list[int]) -> str:
    """A term split over lines (自…起至 / …止): append the next line when the end is missing."""
    start, end, open_ended = nz.parse_date_range(value)
    li = used[-1] + 1
    cut_after_to = "至" in value and not re.search(r"止|日\W*$", value)
    if (start and not end and not open_ended and li < len(reader.texts)
            and (nz.parse_date(reader.texts[li]) or cut_after_to)):
        used.append(li)
        return value + reader.texts[li]
    return value


def _range_text(v: str) -> str | None:
    start, end, open_ended = nz.parse_date_range(v)
    return v if start or end or open_ended else None


def _prints(rule: dict, target: str, reader: _PageReader, result: dict) -> bool:
    """Whether the document prints ``target`` at all, so a derived value stands for a
    printed one OCR lost (a 技能等级证书 has no 性别: it gets none). Without conditions:
    always. ``if_labelled``: the field's label was read; ``if_value``: another field states
    the document kind that prints it (职业资格证书)."""
    conditions = []
    if rule.get("if_labelled"):
        conditions.append(any(h.field == target for h in reader.labels))
    for name, value in (rule.get("if_value") or {}).items():
        conditions.append(any(fv.value == value for fv in result.get(name, [])))
    return not conditions or any(conditions)


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
        if not hits and spec.get("pair_patterns"):
            hits = _from_pairs(reader, spec, parse)
        if not hits and spec.get("anywhere"):
            hits = _from_anywhere(reader, spec, parse)
        if kind == "date_range":
            for out_name, out_hits in _range_outputs(hits, spec).items():
                add(out_name, out_hits)
        else:
            add(name, hits)

    for target, rule in (spec_all.get("derive") or {}).items():
        func, source = DERIVATIONS[rule["from"]], rule["source"]
        if target in result or source not in result:
            continue
        if not _prints(rule, target, reader, result):
            continue
        src = result[source][0]
        value = func(src.value)
        if value:
            prov = Provenance(**{**src.prov.__dict__, "value": value, "engine": "derived", "rereads": []})
            result[target] = [FieldValue(value, prov)]

    if spec_all.get("table"):
        rows = _read_table(reader, spec_all["table"])
        if rows:
            result["__rows__"] = rows  # type: ignore[assignment]
    return result


# --- the form's member table -------------------------------------------------------------

def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.split("|")]


def _column_of(cell: str, columns: dict, taken: set) -> str | None:
    best, best_len = None, 0
    compact = cell.replace(" ", "")
    for name, col in columns.items():
        for cue in col["cues"]:
            cue = nfkc(cue)
            if cue in compact and len(cue) > best_len and name not in taken:
                best, best_len = name, len(cue)
    return best


def _header(text: str, columns: dict, min_columns: int) -> list[str | None] | None:
    cells = _cells(text) if "|" in text else None
    if cells is None:
        return None
    taken: set = set()
    names = []
    for cell in cells:
        name = _column_of(cell, columns, taken)
        if name:
            taken.add(name)
        names.append(name)
    return names if len(taken) >= min_columns else None


def _free_row(text: str) -> dict[str, str]:
    """A table row without cell separators (OCR of a scanned form): find values by shape."""
    row: dict[str, str] = {}
    rest = text
    m = _ID_IN.search(rest)
    if m:
        row["id_number"] = nz.compact_identifier(m.group(0), "id")
        rest = rest[:m.start()] + " " + rest[m.end():]
    m = _CERT_IN.search(rest)
    if m:
        row["certificate_number"] = certificate.compact(m.group(0))
        rest = rest[:m.start()] + " " + rest[m.end():]
    level = nz.normalize_level(rest)
    if level:
        row["level"] = level
    month = nz.parse_month(rest)
    if month:
        row["birth_month"] = month
    m = re.match(r"\s*\d{0,2}\s*([\u4e00-\u9fff·]{2,4}?)\s*([男女])", rest)
    if m:
        row["name"], row["sex"] = m.group(1), m.group(2)
    return row


def _read_table(reader: _PageReader, spec: dict) -> list[dict[str, FieldValue]]:
    columns = spec["columns"]
    end = [nfkc(c) for c in spec.get("end_cues", [])]
    rows: list[dict[str, FieldValue]] = []
    header: list[str | None] | None = None
    free_header = False
    for li, text in enumerate(reader.texts):
        if any(c in text for c in end):
            header, free_header = None, False
            continue
        found = _header(text, columns, spec.get("min_columns", 3))
        if found:
            header, free_header = found, False
            continue
        if header is None and "|" not in text:
            hits = 0
            for col in columns.values():
                if any(nfkc(c) in text for c in col["cues"]):
                    hits += 1
            if hits >= spec.get("min_columns", 3):
                free_header = True
                continue
        values: dict[str, str] = {}
        if header is not None and "|" in text:
            cells = _cells(text)
            for name, cell in zip(header, cells):
                if name and cell:
                    parse = KINDS[columns[name].get("kind", "text")]
                    value = parse(cell)
                    if value is not None:
                        values[name] = value
        elif free_header or header is not None:
            values = _free_row(text)
        if values.get("name") or values.get("id_number"):
            rows.append({k: FieldValue(v, reader.prov([li], v)) for k, v in values.items()})
    return rows


# Numbers a reviewer checks against the printed page. When a PDF's text layer states one
# the page image does not show (a hidden layer edited over a scan), the field takes the
# number the image shows; the layer's number is reported by TEXT_LAYER_MISMATCH.
_IMAGE_WINS = ("id_number", "certificate_number", "uscc", "account_number")
_MIN_IMAGE_CONFIDENCE = 0.8


def _valid_as(name: str, value: str) -> bool:
    if name == "id_number":
        return ric.is_valid(value)
    if name == "uscc":
        return uscc.is_valid(value)
    if name == "certificate_number":
        return certificate.is_well_formed(value)
    return True  # account numbers carry no check digit


def _prefer_what_the_image_shows(page: Page, doc_type: str, fields: dict[str, list[FieldValue]]) -> None:
    """Replace a text-layer identifier by the page image's reading when the two differ by
    more than OCR misreads would (more than one character in eight, the tolerance of the
    text-layer check) and the image's reading is confident and well-formed."""
    image = Page(file=page.file, page=page.page, lines=list(page.ocr_lines), text_source="ocr")
    seen = extract_page(image, doc_type)
    ocr_text = re.sub(r"\s", "", "".join(ln.text for ln in page.ocr_lines)).upper()
    for name in _IMAGE_WINS:
        if not fields.get(name) or not seen.get(name):
            continue
        layer, shown = fields[name][0], seen[name][0]
        if shown.value == layer.value or layer.value.upper() in ocr_text:
            continue
        if shown.prov.confidence < _MIN_IMAGE_CONFIDENCE or not _valid_as(name, shown.value):
            continue
        differ = sum(a != b for a, b in zip(layer.value, shown.value)) + abs(len(layer.value) - len(shown.value))
        if differ > max(1, len(layer.value) // 8):
            fields[name] = [shown] + [fv for fv in fields[name][1:] if fv.value != shown.value]


def extract_fields(doc: Document, pages: list[Page]) -> Document:
    """Fill ``doc.fields`` (and ``doc.rows`` for the form) from the document's pages."""
    mine = [p for p in pages if p.file == doc.file and p.page in doc.pages and not p.error]
    mine.sort(key=lambda p: doc.pages.index(p.page))
    for page in mine:
        page_fields = extract_page(page, doc.type)
        if page.text_source == "text_layer" and page.ocr_lines:
            _prefer_what_the_image_shows(page, doc.type, page_fields)
        doc.rows.extend(page_fields.pop("__rows__", []))  # type: ignore[arg-type]
        for name, values in page_fields.items():
            existing = doc.fields.setdefault(name, [])
            for fv in values:
                if all(e.value != fv.value for e in existing):
                    existing.append(fv)
    return doc
