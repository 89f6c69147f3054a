"""Field extraction: what each document says, with the provenance of every value.

Patterns are data: ``data/fields/<doc_type>.yaml`` lists per field its label variants (an
``EntityRuler`` in ``nlp.py`` finds them), the value kind (how the text after the label is
parsed and normalised), optional regex ``patterns`` and an ``anywhere`` entity fallback for
labels lost to OCR, and ``enum`` cues for values stated by wording (certificate system,
basic account, open-ended contract). A value is looked for after its label on the same
line, then on a line of its own beside the label on the same printed row (two-column
layouts OCR splits into lines, value above or below the label), then on the line printed
under the label (in a Word table: the cell under it, when the label heads a row of labels);
``pair_patterns`` find a value by the line next to it. A value ends at the next label of
any document type (``nlp.label_vocabulary``; another type's label only where it stands as
a label), at a table cell's end, or where its box ends: a value never takes the next box on
its row when that box starts with a label, nor a line that sits beside another label.
``multiline`` values continue on short lines printed right under them in their column.
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

from extractors import labels as lb
from extractors import layout
from extractors import normalize as nz
from extractors.nlp import field_spec, get_nlp, inline_min_chars, nfkc
from extractors.records import Document, FieldValue, Page, Provenance, TextLine
from extractors.textclean import clean_line
from validators.identifiers import certificate, ric, uscc
from validators.identifiers import patterns as idpat

_SEP = lb.SEP
# 」 is how RapidOCR may read the gap's divider after a label (姓名」欧建明): a closing
# bracket, like ) here, never starts a value.
_LEAD = re.compile(r"^[\s:|;,，、.。)」]*(?:\([^)]{0,10}\))?[\s:|;,，、。)」]*")
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
# the same annotation read on one row with a value beside it (与原件相符佛山市人力资源和社会保障局:
# the mark stamped in front of the issuer): taken out of the text values are read from
_ANNOTATION_IN_ROW = re.compile(r"与原件相[符特付]|与原件一致")


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
    v = _STROKE.sub("", _LEAD.sub("", v)).replace(" ", "").lstrip("了")
    m = _PERSON.match(v)
    if not m or len(m.group(0)) < 2 or any(m.group(0).startswith(w) for w in _NOT_NAMES):
        return None
    if re.match(r"[\u4e00-\u9fff]", v[m.end():]):
        # more than a name's characters without a break: a unit (a partnership's 执行事务合伙人
        # may be a company) or a name run into an unknown label; its first four characters
        # would name someone else
        return None
    return m.group(0)


def _authority(v: str) -> str | None:
    """The name of the body that registered or issued a document: a text, never a date
    (the licence prints its issue date under the authority's seal)."""
    v = _text(v)
    if not v or nz.parse_date(v) or len(re.findall(r"[\u4e00-\u9fff]", v)) < 2:
        return None
    return v


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
    "authority": _authority,
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
        self.texts = [lb.join_spaced_labels(nz.match_text(_ANNOTATION_IN_ROW.sub("", t))) for t in self.raw]
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
        # labels of other document types end values too, where no own label stands
        for li, text in enumerate(self.texts):
            taken = [(h.start, h.end) for h in self.labels if h.line == li]
            self.labels.extend(_Hit("_stop", li, s, e) for s, e in lb.foreign_label_spans(text, taken, doc_type))
        self._by_line: dict[int, list[_Hit]] = {}
        for h in self.labels:
            self._by_line.setdefault(h.line, []).append(h)

    def is_cell_row(self, li: int) -> bool:
        """A Word table row (cells joined by `` | ``): a cell ends every value in it."""
        return self.lines[li].engine == "docx" and "|" in self.texts[li]

    def labels_on(self, li: int) -> list[_Hit]:
        return self._by_line.get(li, [])

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
    """Text after a label up to the next label on the same line; in a Word table row, the
    value `_cell_reading` finds on the row."""
    if reader.is_cell_row(hit.line):
        return _cell_reading(reader, hit)[0]
    text = reader.texts[hit.line]
    nxt = [h.start for h in reader.labels_on(hit.line) if h.start >= hit.end]
    return text[hit.end:min(nxt) if nxt else len(text)]


def _cell_reading(reader: _PageReader, hit: _Hit) -> tuple[str, int | None]:
    """Where a label in a Word table row has its value: (text on the row, row under it).
    The rest of the label's own cell, else the next filled cell before the next label
    (label | value | label | value), else the label's column in the row under it when the
    next filled cell is a label or there is none (a header row of labels over a row of
    values). A row that may be either (单位性质 | 所属镇街 over 民营企业 | 荷城街道: 所属镇街
    is no label we know) gives nothing."""
    text = reader.texts[hit.line]
    nxt = [h.start for h in reader.labels_on(hit.line) if h.start >= hit.end]
    own, *others = text[hit.end:min(nxt) if nxt else len(text)].split("|")
    if own.strip(_SEP):
        return own, None
    beside = next((c for c in others if c.strip(_SEP)), None)
    below = _column_value(reader, hit)
    if beside is None:
        return "", below
    return ("", None) if below is not None else (beside, None)


def _glued(reader: _PageReader, hit: _Hit) -> bool:
    """The value after ``hit`` runs with no separator into a short label (类型, 地址) that
    may be the tail of a longer one no vocabulary holds (经济类型)."""
    if reader.is_cell_row(hit.line):
        return False
    text = reader.texts[hit.line]
    nxt = min((h for h in reader.labels_on(hit.line) if h.start >= hit.end), key=lambda h: h.start, default=None)
    return (nxt is not None and nxt.start > hit.end and text[nxt.start - 1] not in _SEP
            and nxt.end - nxt.start < inline_min_chars())


def _column_value(reader: _PageReader, hit: _Hit) -> int | None:
    """A Word form's header row: labels in one row, their values in the row under it, cell
    for cell. The row under must hold no label and the same number of cells (a row of
    another shape is another part of the form)."""
    nxt = hit.line + 1
    if nxt >= len(reader.texts) or not reader.is_cell_row(nxt) or reader.labels_on(nxt):
        return None
    if reader.texts[hit.line].count("|") != reader.texts[nxt].count("|"):
        return None
    return nxt


def _cell(text: str, column: int) -> str:
    cells = text.split("|")
    return cells[column] if column < len(cells) else ""


def _line_head(reader: _PageReader, li: int) -> str | None:
    """The start of a line up to its first label; None when the line starts with a label."""
    hits = reader.labels_on(li)
    first = min((h.start for h in hits), default=len(reader.texts[li]))
    head = reader.texts[li][:first]
    return head if head.strip(_SEP) else None


def _row_mate(reader: _PageReader, li: int) -> int | None:
    """The nearest line to the right of line ``li`` on the same printed row, when it starts
    with a value (its text up to its first label); None when there is none or the nearest
    starts with a label: the value of ``li``'s label was lost, and the next value on the row
    is that label's (a two-column licence: 名称 | value | 注册资本 | value as four boxes)."""
    box = reader.lines[li].bbox
    if not box:
        return None
    beside = sorted((ln.bbox[0], other) for other, ln in enumerate(reader.lines)
                    if other != li and ln.bbox and layout.same_row(box, ln.bbox)
                    and layout.right_of(box, ln.bbox))
    if not beside:
        return None
    nearest = beside[0][1]
    return nearest if _line_head(reader, nearest) is not None else None


def _waits_for_value(reader: _PageReader, li: int) -> bool:
    """Line ``li`` ends with a label whose value is not on it."""
    hits = reader.labels_on(li)
    if not hits:
        return False
    last = max(hits, key=lambda h: h.end)
    return not reader.texts[li][last.end:].strip(_SEP)


def _beside_a_label(reader: _PageReader, li: int) -> bool:
    """Line ``li`` is the value of a label printed left of it on the same row."""
    box = reader.lines[li].bbox
    if not box:
        return False
    return any(other != li and ln.bbox and layout.same_row(box, ln.bbox) and layout.right_of(ln.bbox, box)
               and _waits_for_value(reader, other) for other, ln in enumerate(reader.lines))


def _value_below(reader: _PageReader, hit: _Hit) -> int | None:
    """The line printed under a label, in the label's column (a value below its label),
    unless it is the value of a label beside it (two columns, values read a pixel above
    their labels: the line after 名称 is 类型's value). With labels of both columns on one
    row and values on the row under, the label's value is the line under it, not the next
    in reading order (the right column's label)."""
    li = hit.line
    box = reader.lines[li].bbox
    if not box:
        return li + 1 if li + 1 < len(reader.lines) else None
    text = reader.texts[li]
    slack = layout.char_width(box, text)
    left = layout.char_x(box, text, hit.start) - slack
    right = layout.char_x(box, text, hit.end) + slack if text[hit.end:].strip(_SEP) else box[2] + slack
    under = [(ln.bbox[1], other) for other, ln in enumerate(reader.lines)
             if other != li and ln.bbox and layout.below(box, ln.bbox)
             and ln.bbox[0] < right + 3 * slack and ln.bbox[2] > left]
    if not under:
        return None
    nxt = min(under)[1]
    return None if _beside_a_label(reader, nxt) else nxt


def _continuation(reader: _PageReader, value_li: int, value_at: int, label_at: int, last: int) -> int | None:
    """The line continuing a value that starts at character ``value_at`` of line ``value_li``
    (its label at ``label_at`` of that line, or -1) and was last extended by line ``last``:
    the line printed right under ``last`` that starts in the value's column: not left of its
    label, and left of the value's end (a value alone on its line: where it starts). A line
    starting further left or right is another column's (a licence's 经营范围 runs down beside
    its 住所), whatever the reading order. Positions inside a line are estimated as if its
    characters were evenly spaced; a gap between columns only puts the label further right
    than estimated, so the left bound never rejects the value's own column."""
    vbox, above = reader.lines[value_li].bbox, reader.lines[last].bbox
    if not vbox or not above:
        return last + 1 if last + 1 < len(reader.lines) else None
    text = reader.texts[value_li]
    slack = 2 * layout.char_width(vbox, text)
    left = layout.char_x(vbox, text, label_at if label_at >= 0 else value_at) - slack
    right = vbox[0] + slack if value_at == 0 else vbox[2] - slack
    under = [(ln.bbox[1], li) for li, ln in enumerate(reader.lines)
             if li != last and ln.bbox and layout.below(above, ln.bbox, max_gap_lines=1.0)
             and left <= ln.bbox[0] <= right]
    if not under:
        return None
    li = min(under)[1]
    return None if _beside_a_label(reader, li) else li


def _from_labels(reader: _PageReader, name: str, spec: dict, parse) -> list[tuple[str, list[int]]]:
    found = []
    for hit in (h for h in reader.labels if h.field == name):
        rest = lb.before_unknown_label(_after_label(reader, hit), spec.get("ends"), _glued(reader, hit))
        value = parse(rest) if rest.strip(_SEP) else None
        used = [hit.line]
        value_at = (hit.line, hit.end)  # where the value starts: line, character
        # the next line holds the value only for a label standing as a label (at the start of
        # its line or after a separator), not for a word inside a sentence (调整乙方工作岗位。)
        before = reader.texts[hit.line][:hit.start]
        standalone = not before.strip() or before.rstrip()[-1] in _SEP + ")|"
        if value is None and standalone and reader.is_cell_row(hit.line):
            # a Word table: the value is in the label's column of the row under a header row
            # of labels, never in whatever the next line holds
            below = _cell_reading(reader, hit)[1]
            if below is not None:
                cell = _cell(reader.texts[below], reader.texts[hit.line].count("|", 0, hit.start))
                value = parse(cell) if cell.strip(_SEP) else None
                used, value_at = [hit.line, below], (below, 0)
        elif value is None and standalone:
            if not rest.strip(_SEP):
                # OCR returns a value printed to the right of its label as a line of its own,
                # before or after the label's line depending on which sits a pixel higher
                mate = _row_mate(reader, hit.line)
                if mate is not None:
                    value = parse(_line_head(reader, mate))
                    if value is not None:
                        used = [mate, hit.line] if mate < hit.line else [hit.line, mate]
                        value_at = (mate, 0)
            nxt = _value_below(reader, hit) if value is None else None
            if nxt is not None:
                head = _line_head(reader, nxt)
                if head is not None:
                    value = parse(head)
                    used.append(nxt)
                    value_at = (nxt, 0)
        if value is None:
            continue
        if spec.get("kind") == "date_range":
            value = _complete_range(reader, value, used)
        value = _more_lines(reader, spec, value, used, value_at, hit)
        found.append((value, used))
    return found


def _more_lines(reader: _PageReader, spec: dict, value: str, used: list[int],
                value_at: tuple[int, int], hit: _Hit) -> str:
    """``multiline``: a value (an address, an authority) wrapped onto up to that many short
    plain lines right under it, in its column; ``complete`` (regexes) says when it needs no
    more. A date is never the rest of a text (the licence's issue date under the seal)."""
    complete = [re.compile(nfkc(rx)) for rx in spec.get("complete", [])]
    value_li, value_char = value_at
    label_char = hit.start if value_li == hit.line else -1
    last = value_li
    for _ in range(spec.get("multiline", 0)):
        if any(rx.search(value) for rx in complete):
            break
        li = _continuation(reader, value_li, value_char, label_char, last)
        if li is None or li in used or reader.labels_on(li) or any(c[1] == li for c in reader.codes):
            break
        # an address wraps onto short plain lines; a line with a colon is another field
        if ":" in reader.texts[li] or nz.parse_date(reader.texts[li]):
            break
        more = _text(reader.texts[li])
        if not more or len(more) > 24:
            break
        value += more
        used.append(li)
        last = li
    return value


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


def extract_page(page: Page, doc_type: str, table: TableState | None = None) -> dict[str, list[FieldValue]]:
    """All fields of one page of a document of ``doc_type``; ``table`` carries the member
    table's open header from the document's previous page, and on to the next."""
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
        rows = _read_table(reader, spec_all["table"], table if table is not None else TableState())
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


def _starts_with_label(reader: _PageReader, li: int) -> bool:
    first = len(reader.texts[li]) - len(reader.texts[li].lstrip(_SEP))
    return any(h.start == first for h in reader.labels_on(li))


@dataclass
class TableState:
    """The member table's header still open at the end of a page: a table running onto the
    next page (a scan's second sheet) goes on under the same columns without repeating it."""
    header: list[str | None] | None = None
    free_header: bool = False


def _read_table(reader: _PageReader, spec: dict, state: TableState) -> list[dict[str, FieldValue]]:
    columns = spec["columns"]
    end = [nfkc(c) for c in spec.get("end_cues", [])]
    rows: list[dict[str, FieldValue]] = []
    header, free_header = state.header, state.free_header
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
        if _starts_with_label(reader, li):
            # the form goes on after its member table (联系人 | 李小红 | 联系电话 | …): a row
            # opening with a label is a field of the form, never a member
            header, free_header = None, False
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
    state.header, state.free_header = header, free_header
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
    table = TableState()
    for page in mine:
        page_fields = extract_page(page, doc.type, table)
        if page.text_source == "text_layer" and page.ocr_lines:
            _prefer_what_the_image_shows(page, doc.type, page_fields)
        doc.rows.extend(page_fields.pop("__rows__", []))  # type: ignore[arg-type]
        for name, values in page_fields.items():
            existing = doc.fields.setdefault(name, [])
            for fv in values:
                if all(e.value != fv.value for e in existing):
                    existing.append(fv)
    return doc
