"""One dossier record from its classified, extracted documents.

People are linked across ID cards, certificates, contracts and the form's member table by
ID number first, then by name (a name links only to a person who has no record of the same
source yet, so two namesakes with two ID cards stay two people, while a certificate whose
ID number disagrees with the card still lands on the card's holder). Nothing is resolved
silently: every document stating a value appears in ``provenance[field]`` with its own
``value``; the first is the one taken (order of trust from ``data/assemble.yaml``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from extractors import normalize as nz
from extractors.nlp import load_yaml
from extractors.records import (Applicant, BankAccount, Document, DossierRecord, FieldValue,
                                FileReading, Member, Provenance)
from extractors.report import find_evidence, find_sections

PERSON_SOURCES = ("id_card", "qualification_certificate", "labour_contract")
_LEVEL_RANK = {lvl: i for i, lvl in enumerate(nz.LEVELS)}
_MIN_PREFIX = 14  # region (6) + birth date (8): specific enough within one dossier


@dataclass
class _PersonRecord:
    source: str  # id_card | qualification_certificate | labour_contract | form
    fields: dict[str, FieldValue]
    order: int = 0  # preference among records of one source (best certificate, latest contract)

    @property
    def id_number(self) -> str | None:
        fv = self.fields.get("id_number")
        return fv.value if fv else None

    @property
    def id_prefix(self) -> str | None:
        fv = self.fields.get("id_number_prefix")
        return fv.value if fv and len(fv.value) >= _MIN_PREFIX and not self.id_number else None

    @property
    def name(self) -> str | None:
        fv = self.fields.get("name")
        return nz.normalize_name(fv.value) if fv else None


@dataclass
class _Person:
    records: list[_PersonRecord] = field(default_factory=list)

    def ids(self) -> set[str]:
        return {r.id_number for r in self.records if r.id_number}

    def names(self) -> set[str]:
        return {r.name for r in self.records if r.name}

    def sources(self) -> set[str]:
        return {r.source for r in self.records}


def _card_anchor(fv: FieldValue, anchors: list[FieldValue]) -> FieldValue | None:
    """The ID number a value of a multi-card page belongs to: on the card's front every
    field stands above its number, so the nearest number at or below the value, preferring
    one in the same column (cards side by side); None without a box to place it by."""
    box = fv.prov.bbox
    if not box:
        return None
    cy = (box[1] + box[3]) / 2
    same_page = [a for a in anchors if a.prov.bbox and (a.prov.file, a.prov.page) == (fv.prov.file, fv.prov.page)]
    below = [a for a in same_page if a.prov.bbox[3] >= cy - 0.005]
    column = [a for a in below if min(box[2], a.prov.bbox[2]) - max(box[0], a.prov.bbox[0]) > 0]
    pool = column or below
    return min(pool, key=lambda a: a.prov.bbox[1] - cy) if pool else None


def _cards(doc: Document) -> list[dict[str, FieldValue]]:
    """One field set per card: an ID-card page that prints several valid numbers is several
    members' cards copied onto one sheet (DOCUMENTS.md), each value taken by the number
    below it; a value that cannot be placed stays with no card rather than the wrong one."""
    from validators.identifiers.patterns import pattern

    # well-formed numbers on lines of their own (a number failing its check digit is still
    # some member's card, and ID_NUMBER_INVALID's to judge)
    anchors = [fv for fv in doc.fields.get("id_number", [])
               if pattern("id", "exact").fullmatch(fv.value) and fv.prov.bbox]
    if doc.type != "id_card" or len({a.prov.bbox for a in anchors}) < 2 or len({a.value for a in anchors}) < 2:
        return [{name: values[0] for name, values in doc.fields.items() if values}]
    cards: dict[str, dict[str, FieldValue]] = {a.value: {"id_number": a} for a in anchors}
    for name, values in doc.fields.items():
        if name == "id_number":
            continue
        for fv in values:
            anchor = _card_anchor(fv, anchors)
            if anchor is not None:
                cards[anchor.value].setdefault(name, fv)
    return list(cards.values())


def _person_records(documents: list[Document]) -> list[_PersonRecord]:
    records = []
    for doc in documents:
        if doc.type in PERSON_SOURCES and doc.fields:
            for fields in _cards(doc):
                _add_person_record(records, doc, fields)
        elif doc.type == "application_form":
            records.extend(_PersonRecord("form", row) for row in doc.rows)
    # ID cards first: they anchor identity; then certificates, contracts, the form
    rank = {"id_card": 0, "qualification_certificate": 1, "labour_contract": 2, "form": 3}
    return sorted(records, key=lambda r: rank[r.source])


def _add_person_record(records: list[_PersonRecord], doc: Document, fields: dict[str, FieldValue]) -> None:
    # A certificate whose holder lines were lost to OCR still links by its number.
    if {"name", "id_number", "id_number_prefix"} & fields.keys() or (
            doc.type == "qualification_certificate" and "certificate_number" in fields):
        records.append(_PersonRecord(doc.type, fields, _preference(doc.type, fields)))


def _preference(source: str, fields: dict[str, FieldValue]) -> int:
    if source == "qualification_certificate":
        level = fields.get("level")
        return _LEVEL_RANK.get(level.value, 9) if level else 9
    if source == "labour_contract":
        if "contract_open_ended" in fields:
            return 0
        end = fields.get("contract_end")
        # later end first: 99999999 - yyyymmdd
        return 99_999_999 - int(end.value.replace("-", "")) if end else 99_999_999
    return 0


def link_people(records: list[_PersonRecord]) -> list[_Person]:
    people: list[_Person] = []
    for rec in records:
        match = None
        if rec.id_number:
            match = next((p for p in people if rec.id_number in p.ids()), None)
        if match is None and rec.name:
            match = next((p for p in people if rec.name in p.names() and rec.source not in p.sources()), None)
        if match is None:
            match = _Person()
            people.append(match)
        match.records.append(rec)
    return _merge_unnumbered(people)


def _merge_unnumbered(people: list[_Person]) -> list[_Person]:
    """A person known without any full ID number is the one other person whose ID number
    starts with the digits read on the card, or who has the same name, or (holding none of
    the same documents) a name one OCR slip away (刘盗华 / 刘耀华) or the card's birth date
    inside their number; differing names stay in provenance."""
    for lone in [p for p in people if not p.ids()]:
        others = [p for p in people if p is not lone and not (p.sources() & lone.sources())]
        prefixes = {r.id_prefix for r in lone.records if r.id_prefix}
        births = {r.fields["birth_date"].value for r in lone.records if "birth_date" in r.fields}
        close = [p for p in people if p is not lone and any(i.startswith(pre) for i in p.ids() for pre in prefixes)]
        if not close:  # the same name: also a second copy of a card already linked
            close = [p for p in people if p is not lone and lone.names() & p.names()]
        if not close:
            close = [p for p in others if any(_one_slip(a, b) for a in lone.names() for b in p.names())]
        if not close:  # the certificate number the form's member table gives for someone
            numbers = _certificate_numbers(lone)
            close = [p for p in people if p is not lone and numbers & _certificate_numbers(p)]
        if not close and not lone.names():  # nameless: one member's materials scanned into one file
            files = _files(lone)
            close = [p for p in others if files & _files(p)]
        if not close and births:
            # a card whose number and name were misread: its printed birth date against the
            # dates inside the others' numbers, with the surname agreeing when one was read
            surnames = {n[0] for n in lone.names()}
            close = [p for p in others if births & {nz.birth_from_id(i) for i in p.ids()}
                     and (not surnames or surnames & {n[0] for n in p.names()})]
        if len(close) == 1:
            close[0].records.extend(lone.records)
            people.remove(lone)
    return people


def _certificate_numbers(person: _Person) -> set[str]:
    return {nz.compact_identifier(r.fields["certificate_number"].value)
            for r in person.records if "certificate_number" in r.fields}


def _files(person: _Person) -> set[str]:
    return {fv.prov.file for r in person.records if r.source != "form" for fv in r.fields.values()}


def _one_slip(a: str, b: str) -> bool:
    """Same length (3+ characters) and exactly one character different."""
    return len(a) == len(b) >= 3 and sum(x != y for x, y in zip(a, b)) == 1


def _member(person: _Person, plan: dict[str, list[str]]) -> Member:
    m = Member()
    for name, sources in plan.items():
        provs: list[Provenance] = []
        for source in sources:
            for rec in sorted((r for r in person.records if r.source == source), key=lambda r: r.order):
                fv = rec.fields.get(name)
                if fv is not None:
                    provs.append(fv.prov if fv.prov.value is not None else _with_value(fv))
        if not provs:
            continue
        provs = _trust_order(provs)
        m.provenance[name] = provs
        value = provs[0].value
        if name == "contract_open_ended":
            m.contract_open_ended = value == "true"
        elif hasattr(m, name):
            setattr(m, name, value)
    srcs = person.sources()
    m.has_id_card = "id_card" in srcs
    m.has_certificate = "qualification_certificate" in srcs
    m.has_contract = "labour_contract" in srcs
    m.listed_in_form = "form" in srcs
    if m.contract_open_ended:
        m.contract_end = None
    return m


_LOW_CONFIDENCE = 0.6


def _trust_order(provs: list[Provenance]) -> list[Provenance]:
    """The most trusted source first, unless it was read with low confidence and two or
    more other documents agree on another value (an OCR slip on the card, not a mismatch
    to resolve): then the agreed value leads. All records stay either way."""
    first = provs[0]
    if first.confidence >= _LOW_CONFIDENCE:
        return provs
    counts: dict[str | None, int] = {}
    for p in provs[1:]:
        counts[p.value] = counts.get(p.value, 0) + 1
    agreed = [v for v, n in counts.items() if n >= 2 and v != first.value]
    if len(agreed) != 1:
        return provs
    lead = next(p for p in provs if p.value == agreed[0])
    return [lead] + [p for p in provs if p is not lead]


def _with_value(fv: FieldValue) -> Provenance:
    return Provenance(**{**fv.prov.__dict__, "value": fv.value})


def _dossier_values(target, plan: dict, documents: list[Document]) -> None:
    for name, sources in plan.items():
        provs: list[Provenance] = []
        for doc_type, field_name in sources:
            for doc in documents:
                if doc.type == doc_type:
                    fv = doc.first(field_name)
                    if fv is not None:
                        provs.append(fv.prov if fv.prov.value is not None else _with_value(fv))
        if provs:
            target.provenance[name] = provs
            setattr(target, name, provs[0].value)


def assemble(dossier_id: str, files: list[FileReading], documents: list[Document]) -> DossierRecord:
    """The dossier record: applicant, bank account, members, report sections and evidence."""
    plan = load_yaml("assemble.yaml")
    record = DossierRecord(dossier_id=dossier_id, files=files, documents=documents)

    record.applicant = Applicant()
    _dossier_values(record.applicant, plan["applicant"], documents)

    record.bank_account = BankAccount()
    _dossier_values(record.bank_account, plan["bank_account"], documents)
    bank_docs = [d for d in documents if d.type == "bank_account"]
    if bank_docs:
        stated = [d.first("account_kind") for d in bank_docs if d.first("account_kind")]
        values = {fv.value for fv in stated}
        # one basic-account document is enough for ART5.4, whatever else is filed beside it
        record.bank_account.account_kind = ("basic" if "basic" in values else "general" if "general" in values
                                            else "unknown")
        kinds = [fv.prov for fv in stated]
        if kinds:
            record.bank_account.provenance["account_kind"] = kinds

    record.members = [_member(p, plan["members"]) for p in link_people(_person_records(documents))]

    pages = {(p.file, p.page): p for f in files for p in f.pages}

    def doc_pages(types: tuple[str, ...]):
        return [pages[(d.file, n)] for d in documents if d.type in types for n in d.pages if (d.file, n) in pages]

    record.report_sections = find_sections(doc_pages(("application_report",)))
    record.evidence = find_evidence(doc_pages(("application_report",)))
    return record
