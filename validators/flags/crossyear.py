"""Cross-year flags: a member, bank account or page image of this dossier already in another
unit's or another year's dossier kept in the case store (store/), and the recognised
stations such a finding reaches under 第十五条第（一）项.

Pure logic over plain data: the store loads `Prior`, identifiers arrive here only through the
`hasher` the caller passes (keyed hashes, store/keys.py), and the flow only wires.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from extractors.records import DossierRecord, Provenance
from validators.batch_index import norm_account, norm_id, norm_name
from validators.findings import Flag
from validators.findings_util import make_flag, person_label
from validators.identifiers import ric

Hasher = Callable[[str, str | None], str | None]

OUTCOME_TEXT = {"recognised": "已拟认定/认定为技师工作站", "not_recognised": "未予认定", None: "尚无综合评议结论"}
PERSON_DOCUMENTS = ("id_card", "qualification_certificate")
# Printed numbers an unedited image repeats wherever it is filed (batch_index.MIN_SHARED_NUMBERS):
# pages of one template that print other numbers are other people's documents, not reuse.
MIN_SHARED_NUMBERS = 0.5


@dataclass(frozen=True)
class PriorDossier:
    """A dossier kept in the store (or a registry row imported into it)."""
    ref: str  # "screening:ID" or "registry:ID"
    year: int
    dossier_id: str
    unit_name: str | None
    uscc: str | None
    outcome: str | None  # recognised | not_recognised | None
    programme: str | None = None  # registry rows: 技师工作站, 技能大师工作室, …

    @property
    def recognised_station(self) -> bool:
        if self.ref.startswith("registry:"):
            return self.programme == "技师工作站"
        return self.outcome == "recognised"

    def label(self) -> str:
        if self.ref.startswith("registry:"):
            return f"{self.unit_name or ''}{self.year}年{self.programme}（登记表{self.dossier_id}）"
        return f"{self.year}年申报材料{self.dossier_id}（{self.unit_name or '单位名称未识别'}，{OUTCOME_TEXT.get(self.outcome, '')}）"


@dataclass(frozen=True)
class PriorMember:
    dossier: PriorDossier
    name: str | None
    id_masked: str | None
    file: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class PriorAccount:
    dossier: PriorDossier
    masked: str | None
    file: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class PriorImage:
    dossier: PriorDossier
    file: str
    page: int
    doc_type: str
    person_hash: str | None
    phash: str  # hex
    numbers: frozenset[str] = frozenset()  # keyed hashes of the printed numbers
    image_path: str | None = None
    card_key: str | None = None  # ID cards: keyed hash of address and validity period (card_key)
    card_exact: bool = False


@dataclass
class Prior:
    """What the store knows from other screenings, indexed by keyed hash."""
    members: dict[str, list[PriorMember]] = field(default_factory=dict)
    accounts: dict[str, list[PriorAccount]] = field(default_factory=dict)
    images: list[PriorImage] = field(default_factory=list)
    # units already recognised as stations: credit code -> their recognitions
    stations: dict[str, list[PriorDossier]] = field(default_factory=dict)
    _tables: dict = field(default_factory=dict, repr=False)

    def cards(self) -> dict[str, list[PriorImage]]:
        """ID card pages by card key, built once."""
        if "cards" not in self._tables:
            table: dict[str, list[PriorImage]] = {}
            for p in self.images:
                if p.card_key:
                    table.setdefault(p.card_key, []).append(p)
            self._tables["cards"] = table
        return self._tables["cards"]

    def hash_table(self, doc_type: str):
        """(uint64 array of the phashes, the pages) of one document type, built once."""
        if doc_type not in self._tables:
            import numpy as np

            pages = [p for p in self.images if p.doc_type == doc_type and len(p.phash) == 16]
            self._tables[doc_type] = (np.array([int(p.phash, 16) for p in pages], dtype=np.uint64), pages)
        return self._tables[doc_type]


@dataclass(frozen=True)
class CurrentImage:
    """A page of the dossier being screened: its fingerprint and whose document it is."""
    file: str
    page: int
    doc_type: str
    person: str | None  # ID number (or name) as the batch index keeps it
    fp: object  # image_hash.PageFingerprint
    numbers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CurrentCard:
    """An ID card page of the dossier being screened, as the batch index reads it."""
    file: str
    page: int
    person: str | None
    address: str
    validity: str
    exact: bool = False


def card_text(address: str, validity: str) -> str:
    """What two copies of one card keep when its name and number are re-typed: the address
    and the validity period's digits (compared exactly, being hashed)."""
    digits = re.sub(r"\D", "", validity) + ("长期" if "长期" in validity else "")
    return f"{address}|{digits}"


def _other_unit(record: DossierRecord, d: PriorDossier) -> bool:
    mine, theirs = record.applicant.uscc, d.uscc
    if mine and theirs:
        return mine.upper() != theirs.upper()
    a, b = norm_name(record.applicant.name), norm_name(d.unit_name)
    return not (a and b and a == b)


def _prior_evidence(d: PriorDossier, file: str | None, page: int | None, doc_type: str | None = None) -> Provenance:
    """The other dossier's page as an evidence record: file and page inside that dossier,
    the dossier named in the text, the store's reference in `value`."""
    return Provenance(file=file or "（登记表）", page=page or 1, bbox=None, confidence=1.0,
                      text=f"对比卷宗：{d.label()}", engine="case_store", value=d.ref, doc_type=doc_type)


def _station_note(d: PriorDossier) -> str:
    if not d.recognised_station:
        return ""
    return (f"。{d.unit_name or d.dossier_id}已被认定为技师工作站（{d.year}年），如经核实其申报材料不实，"
            f"依第十五条第（一）项取消其资格，已列入第十五条处理清单")


def member_flags(record: DossierRecord, prior: Prior, hasher: Hasher, year: int) -> list[Flag]:
    flags = []
    done = set()
    for m in record.members:
        n = norm_id(m.id_number)
        h = hasher("id", n)
        if not h or h in done:
            continue
        done.add(h)
        hits = [p for p in prior.members.get(h, []) if _other_unit(record, p.dossier)]
        if not hits:
            continue
        who = person_label(m.name, m.id_number)
        listed = "；".join(f"{p.dossier.label()}，{p.file or '登记表'}第{p.page or 1}页" for p in hits[:5])
        proof = ["cross_dossier"] if ric.is_valid(n) else ["cross_dossier", "single_ocr"]
        if any(p.dossier.year < year for p in hits) and not any(p.dossier.year == year for p in hits):
            proof.append("registry_earlier_year")
        notes = "".join(dict.fromkeys(_station_note(p.dossier) for p in hits))
        ev = m.provenance.get("id_number", [])[:1] + [_prior_evidence(p.dossier, p.file, p.page, "id_card") for p in hits[:5]]
        flags.append(make_flag("DUPLICATE_PERSON", who, f"{who}同时是其他单位申报材料的工作站成员（案卷库）：{listed}{notes}",
                               ev, proof=proof))
    return flags


def account_flags(record: DossierRecord, prior: Prior, hasher: Hasher) -> list[Flag]:
    acc = norm_account(record.bank_account.account_number)
    h = hasher("account", acc)
    hits = [p for p in prior.accounts.get(h, []) if _other_unit(record, p.dossier)] if h else []
    if not hits:
        return []
    from extractors.masking import mask_account

    listed = "；".join(f"{p.dossier.label()}，{p.file or ''}第{p.page or 1}页" for p in hits[:5])
    notes = "".join(dict.fromkeys(_station_note(p.dossier) for p in hits))
    ev = record.bank_account.provenance.get("account_number", [])[:1] + [
        _prior_evidence(p.dossier, p.file, p.page, "bank_account") for p in hits[:5]]
    return [make_flag("DUPLICATE_BANK_ACCOUNT", record.applicant.name or "申请单位",
                      f"银行账号{mask_account(acc)}已出现在其他单位的申报材料中（案卷库）：{listed}{notes}", ev,
                      proof=["cross_dossier"])]


def image_candidates(phash_hex: str, doc_type: str, prior: "Prior", max_distance: int) -> list[PriorImage]:
    """Earlier pages of the same document type whose perceptual hash is within
    `max_distance` bits: the only place that searches the store's image hashes (a faster
    index can replace this function without touching the rest)."""
    import numpy as np

    hashes, images = prior.hash_table(doc_type)
    if not images:
        return []
    distance = np.bitwise_count(hashes ^ np.uint64(int(phash_hex, 16)))
    return [images[i] for i in np.flatnonzero(distance <= max_distance)]


def _shares_numbers(mine: frozenset[str], theirs: frozenset[str]) -> bool:
    if len(mine) < 2 or len(theirs) < 2:
        return True  # too little text read to tell
    return len(mine & theirs) / min(len(mine), len(theirs)) >= MIN_SHARED_NUMBERS


def image_verdict(current_fp, prior: PriorImage) -> tuple[str, list[str], dict]:
    """(severity, proof, measurements) for a candidate pair. The earlier page image is
    compared pixel by pixel (the batch's own REUSED_IMAGE verification) while that run's
    output folder still holds it; from the stored hashes alone the pair is only alike."""
    from pathlib import Path

    from validators.flags.batch import pixel_route_flag
    from validators.forensics import image_hash

    if prior.image_path and Path(prior.image_path).is_file():
        other = image_hash.fingerprint(prior.image_path, crop_resistant=current_fp.crop_resistant is not None,
                                       regions=False)
        if other is not None:
            _, info = image_hash.near_duplicate(other, current_fp)
            judged = pixel_route_flag(info.get("verdict"), prior.doc_type)
            if judged is None:
                return "", [], info
            return judged[0], judged[1], info
    return "medium", ["look_alike"], {"phash_distance": None}


def image_flags(record: DossierRecord, images: list[CurrentImage], prior: Prior, hasher: Hasher,
                max_distance: int) -> list[Flag]:
    """A person's document whose page matches an earlier page of another person."""
    flags = []
    for a in images:
        if a.doc_type not in PERSON_DOCUMENTS or not a.person:
            continue
        me = hasher("id", a.person)
        mine_numbers = frozenset(h for h in (hasher("number", n) for n in a.numbers) if h)
        for b in image_candidates(str(a.fp.phash), a.doc_type, prior, max_distance):
            if not b.person_hash or b.person_hash == me or not _shares_numbers(mine_numbers, b.numbers):
                continue
            severity, proof, info = image_verdict(a.fp, b)
            if not severity:
                continue
            owner = next((m for m in record.members if norm_id(m.id_number) == a.person), None)
            subject = person_label(owner.name, owner.id_number) if owner else f"{a.file}第{a.page}页"
            how = ("两页为同一次扫描（逐像素对齐，扫描纹理吻合）" if severity == "high" else
                   "两页的感知哈希几乎相同且所印号码相同（案卷库中只存哈希，原页面图像已不在，未能逐像素比对）"
                   if info.get("phash_distance") is None else "两页内容一致，但未能证实为同一次扫描")
            detail = (f"{a.file}第{a.page}页的图像与{b.dossier.label()}中另一人的{b.file}第{b.page}页相同：{how}，"
                      f"疑似同一扫描件被用于不同人员{_station_note(b.dossier)}")
            ev = [Provenance(file=a.file, page=a.page, bbox=None, confidence=1.0, text="", engine="image", doc_type=a.doc_type),
                  _prior_evidence(b.dossier, b.file, b.page, b.doc_type)]
            flags.append(make_flag("REUSED_IMAGE", subject, detail, ev, severity=severity, proof=proof))
            break
    return flags


def id_card_flags(record: DossierRecord, cards: list[CurrentCard], prior: Prior, hasher: Hasher,
                  done: set[tuple[str, int]]) -> list[Flag]:
    """Another person's earlier ID card copy with the same address and validity period: one
    card re-used with name and number re-typed (the batch's text route, across years)."""
    flags = []
    table = prior.cards()
    for a in cards:
        if not a.person or (a.file, a.page) in done:
            continue
        me = hasher("id", a.person)
        hits = [b for b in table.get(hasher("card", card_text(a.address, a.validity)) or "", [])
                if b.person_hash and b.person_hash != me]
        if not hits:
            continue
        b = hits[0]
        owner = next((m for m in record.members if norm_id(m.id_number) == a.person), None)
        subject = person_label(owner.name, owner.id_number) if owner else f"{a.file}第{a.page}页"
        detail = (f"{a.file}第{a.page}页的身份证复印件与{b.dossier.label()}中另一人的身份证（{b.file}第{b.page}页）住址（{a.address}）"
                  f"和有效期限（{a.validity}）完全相同，疑似同一身份证图像改换姓名、号码后重复使用{_station_note(b.dossier)}")
        ev = [Provenance(file=a.file, page=a.page, bbox=None, confidence=1.0, text=a.validity, engine="text", doc_type="id_card"),
              _prior_evidence(b.dossier, b.file, b.page, "id_card")]
        proof = ["two_documents"] if a.exact and b.card_exact else ["single_ocr"]
        flags.append(make_flag("REUSED_IMAGE", subject, detail, ev, proof=proof))
    return flags


def crossyear_flags(record: DossierRecord, images: list[CurrentImage], prior: Prior, hasher: Hasher, year: int,
                    max_distance: int, cards: list[CurrentCard] = ()) -> list[Flag]:
    pixel = image_flags(record, images, prior, hasher, max_distance)
    done = {(f.evidence[0].file, f.evidence[0].page) for f in pixel if f.evidence}
    return (member_flags(record, prior, hasher, year) + account_flags(record, prior, hasher) + pixel
            + id_card_flags(record, list(cards), prior, hasher, done))


def cite_revocation(record: DossierRecord, prior: Prior, flags: list[Flag], year: int) -> None:
    """A unit the store knows as a recognised station answers for false materials under
    第十五条第（一）项 too (as judge.py does for registry rows)."""
    code = (record.applicant.uscc or "").upper()
    held = [d for d in prior.stations.get(code, []) if d.year < year] if code else []
    if not held:
        return
    listed = "、".join(dict.fromkeys(f"{d.year}年（{d.dossier_id}）" for d in held))
    for f in flags:
        if f.rule == "ART5.X" and "撤销其认定" not in f.detail:
            f.detail += f"。该单位已被认定为技师工作站（案卷库：{listed}），如经核实，并依第十五条第（一）项撤销其认定"


@dataclass(frozen=True)
class ActionItem:
    """One row of the 第十五条第（一）项 action sheet: a recognised station reached by a
    later dossier's finding, with the page of each dossier."""
    station_unit: str | None
    station_uscc: str | None
    station_year: int
    station_dossier: str
    code: str
    severity: str
    finding: str
    later_year: int
    later_dossier: str
    later_unit: str | None
    later_file: str | None
    later_page: int | None
    station_file: str | None
    station_page: int | None


def station_refs(flag_evidence: list[dict]) -> list[tuple[str, str | None, int | None]]:
    """(store reference, file, page) of every earlier dossier a stored flag cites."""
    return [(e.get("value"), e.get("file"), e.get("page")) for e in flag_evidence
            if e.get("engine") == "case_store" and e.get("value")]
