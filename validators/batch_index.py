"""Cross-dossier facts of one batch (second pass of DESIGN.md's data flow).

Duplicate people, shared bank accounts and reused scans can only be seen across dossiers,
so they are indexed once here and each dossier is judged against the index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from extractors.records import DossierRecord
from validators.forensics import candidates, image_hash
from validators.identifiers import patterns as idpat
from validators.identifiers import ric, uscc
from validators.registry import RegistryRow


# Documents that belong to one person: where a reused scan matters most, so their picture
# blocks (portraits) are looked for and compared too.
PERSON_DOCUMENTS = ("id_card", "qualification_certificate")


@dataclass
class ImageEntry:
    dossier_id: str
    file: str
    page: int
    doc_type: str
    person: str | None  # member ID number (or name) the document belongs to, None for unit documents
    fp: image_hash.PageFingerprint
    numbers: frozenset[str] = frozenset()  # digit runs printed on the page (see numbers_on_page)
    # the page's character pairs (see words_on_page), None where no text was read
    words: np.ndarray | None = field(default=None, repr=False, compare=False)


_DIGIT_RUN = re.compile(r"\d{4,}")
_USCC_ANYWHERE = idpat.pattern("uscc", "anywhere")


def numbers_on_page(text: str) -> frozenset[str]:
    """The page's printed numbers (dates, ID, certificate and account numbers) and credit
    codes (GB 32100: letters among the digits, which the digit runs would cut to the
    district's digits every licence of the district shares). One unedited image states the
    same numbers wherever it is filed; two pages of one template that state different
    numbers cannot be the same unedited image, whatever their layout hash."""
    compact = re.sub(r"\s", "", text)
    return frozenset(_DIGIT_RUN.findall(compact)) | {c.upper() for c in _USCC_ANYWHERE.findall(compact)}


def words_on_page(text: str) -> np.ndarray | None:
    """The page's text as the sorted set of its adjacent character pairs (whitespace left
    out), each one integer (two code points side by side): what two readings of one image
    share whatever the line breaks, at a few kilobytes a page. None without text."""
    cp = np.frombuffer(re.sub(r"\s", "", text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if cp.size < 2:
        return None
    return np.unique((cp[:-1] << np.uint64(21)) | cp[1:])


@dataclass
class IdCardText:
    """What an ID card copy says beyond the person's own identifiers. Two different people
    whose cards share the address AND the validity period (issue date) are one card reused
    with name and number retouched — a re-rendered, re-sealed copy that no pixel hash pairs
    with its source (measured on the sample batch: whole-page tile agreement of the reused
    card with its source is no higher than with unrelated cards of the same template)."""
    dossier_id: str
    file: str
    page: int
    person: str | None
    address: str
    validity: str
    # every line of the page read exactly (a text layer or a Word file), not by OCR: two
    # such pages agreeing are two documents' own words, not one engine's reading
    exact: bool = False


_LABELS = ("公民身份号码", "姓名", "性别", "出生", "民族", "签发机关", "有效期限", "与原件")
_VALIDITY = re.compile(r"(\d{4})[.\-/年](\d{1,2})[.\-/月](\d{1,2})日?[-—–~至]+(\d{4}[.\-/年]\d{1,2}[.\-/月]\d{1,2}日?|长期)")
_ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")


# An address line read without its 住址 label (OCR often drops the small grey labels of a
# card copy, and some layouts print none): two administrative-division or street words,
# and none of the issuing authority's words (签发机关 also names a 市/县).
_PLACE_WORDS = re.compile(r"省|自治区|市|县|区|镇|乡|街道|村|路|街|巷|号|组")
_NOT_ADDRESS = ("公安", "局", "签发", "有效", "居民身份证", "中华人民共和国", "出生", "民族")


def _address_start(clean: list[str]) -> tuple[int, str] | None:
    for i, t in enumerate(clean):
        if "住址" in t:
            return i, t.split("住址", 1)[1]
    for i, t in enumerate(clean):
        if (len(t) >= 6 and not any(w in t for w in _NOT_ADDRESS) and not _ID_IN_TEXT.search(t)
                and len(set(_PLACE_WORDS.findall(t))) >= 2):
            return i, t
    return None


def id_card_text(lines: list[str]) -> tuple[str, str] | None:
    """(address, validity period) from an ID card page's text lines, or None."""
    clean = [re.sub(r"\s", "", t) for t in lines]
    address = ""
    start = _address_start(clean)
    if start:
        i, address = start
        nxt = clean[i + 1] if i + 1 < len(clean) else ""
        # the address wraps onto a second line; the ID number line is not part of it
        if nxt and not any(k in nxt for k in _LABELS) and not _ID_IN_TEXT.search(nxt):
            address += nxt
    m = _VALIDITY.search("".join(clean))
    address = re.sub(r"[^\w]", "", address)  # OCR adds quotes and punctuation
    if len(address) < 6 or not m:
        return None
    return address, m.group(0)


@dataclass
class BatchIndex:
    members: dict[str, set[str]] = field(default_factory=dict)  # ID number -> dossier ids
    accounts: dict[str, set[str]] = field(default_factory=dict)  # account number -> applicant keys
    account_dossiers: dict[str, set[str]] = field(default_factory=dict)  # account -> dossier ids
    images: list[ImageEntry] = field(default_factory=list)
    registry_by_uscc: dict[str, list[RegistryRow]] = field(default_factory=dict)
    registry_by_name: dict[str, list[RegistryRow]] = field(default_factory=dict)
    registry_by_member: dict[str, list[RegistryRow]] = field(default_factory=dict)
    applicants: dict[str, str] = field(default_factory=dict)  # dossier id -> applicant key
    id_cards: list[IdCardText] = field(default_factory=list)
    # the REUSED_IMAGE candidate search (validators/forensics/candidates.py), made by
    # build_index: for each entry of `images` (by position) the entries worth aligning with
    # it; for each picture block (entry position, block number) the nearest blocks. None:
    # no search was made, every pair is compared.
    image_partners: dict[int, list[int]] | None = None
    region_near: dict[tuple[int, int], list[tuple[int, int]]] | None = None
    # the pixel route's answer (image_hash.near_duplicate) for every candidate pair worth
    # aligning (worth_aligning), by pair_key: measured once a batch, on the index's workers,
    # rather than by whichever dossier's judging meets the pair first
    pair_verdicts: dict[tuple, tuple[bool, dict]] = field(default_factory=dict)
    # dossier id -> the other dossiers of the batch made of exactly the same files (by
    # content): one submission put into the batch twice, or submitted twice
    same_files: dict[str, list[str]] = field(default_factory=dict)


def norm_id(v: str | None) -> str | None:
    return ric.compact(v) if v else None


def norm_account(v: str | None) -> str | None:
    return re.sub(r"[^0-9]", "", v) if v else None


def norm_name(v: str | None) -> str:
    """Unit names compared loosely: widths of brackets and spaces do not matter."""
    if not v:
        return ""
    v = v.replace("（", "(").replace("）", ")")
    return re.sub(r"\s", "", v)


def applicant_key(record: DossierRecord) -> str:
    a = record.applicant
    return uscc.compact(a.uscc) if a.uscc else norm_name(a.name) or f"dossier:{record.dossier_id}"


def _page_person(record: DossierRecord) -> dict[tuple[str, int], str | None]:
    """(file, page) -> person key, from the members' provenance; None for a page that holds
    several members' documents (two or three ID cards copied onto one sheet): it is no one
    person's, so no route may compare it as "another person's" page."""
    keys: dict[tuple[str, int], set[str]] = {}
    for m in record.members:
        key = norm_id(m.id_number) or (m.name or "")
        for provs in m.provenance.values():
            for p in provs:
                if p.doc_type in (None, "application_form"):
                    continue  # the form lists everybody: it belongs to nobody in particular
                keys.setdefault((p.file, p.page), set()).add(key)
    return {page: next(iter(k)) if len(k) == 1 else None for page, k in keys.items()}


def _fingerprint_args(records: list[DossierRecord]) -> list[tuple[str, bool, bool]]:
    """The fingerprint calls build_index makes, in its order (the same selection of pages):
    picture blocks for person documents; the crop-resistant hash no longer (it paired nearly
    every two pages of one template; the shade code of the candidate search covers crops)."""
    out = []
    for rec in records:
        doc_of = {(d.file, p): d.type for d in rec.documents for p in d.pages}
        for page in rec.pages:
            dtype = doc_of.get((page.file, page.page), "other")
            if dtype in ("application_form", "application_report", "other") or not page.image_path:
                continue
            out.append((page.image_path, False, dtype in PERSON_DOCUMENTS))
    return out


def _fingerprints(args: list[tuple[str, bool, bool]], workers: int) -> dict:
    """Fingerprints of the pages, on `workers` threads (decoding, resizing and ORB release
    the GIL): the index is otherwise one thread while the other cores wait."""
    def one(a):
        # the working image is read again, and the ORB features made, for the few pages that
        # are aligned
        return image_hash.fingerprint_light(a[0], crop_resistant=a[1], regions=a[2])

    unique = list(dict.fromkeys(args))
    if workers <= 1 or len(unique) <= 1:
        return {a: one(a) for a in unique}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(unique, pool.map(one, unique)))


def build_index(records: list[DossierRecord], registry: list[RegistryRow], workers: int = 1) -> BatchIndex:
    idx = BatchIndex()
    fps = _fingerprints(_fingerprint_args(records), workers)
    by_files: dict[frozenset[str], list[str]] = {}
    for rec in records:
        key = applicant_key(rec)
        idx.applicants[rec.dossier_id] = key
        contents = frozenset(f.sha256 for f in rec.files if f.sha256)
        if contents:
            by_files.setdefault(contents, []).append(rec.dossier_id)
        for m in rec.members:
            n = norm_id(m.id_number)
            if n:
                idx.members.setdefault(n, set()).add(rec.dossier_id)
        acc = norm_account(rec.bank_account.account_number)
        if acc:
            idx.accounts.setdefault(acc, set()).add(key)
            idx.account_dossiers.setdefault(acc, set()).add(rec.dossier_id)
        persons = _page_person(rec)
        doc_of = {(d.file, p): d.type for d in rec.documents for p in d.pages}
        for page in rec.pages:
            dtype = doc_of.get((page.file, page.page), "other")
            if dtype == "id_card":
                got = id_card_text([ln.text for ln in page.lines])
                if got:
                    person = persons.get((page.file, page.page))
                    found = set(_ID_IN_TEXT.findall(page.text))
                    if (page.file, page.page) not in persons and len(found) == 1:
                        person = ric.compact(found.pop())
                    exact = bool(page.lines) and all(ln.engine in ("text_layer", "docx") for ln in page.lines)
                    idx.id_cards.append(IdCardText(rec.dossier_id, page.file, page.page, person, *got, exact=exact))
            if dtype in ("application_form", "application_report", "other") or not page.image_path:
                continue  # free text documents are the unit's own and legitimately similar
            fp = fps[(page.image_path, False, dtype in PERSON_DOCUMENTS)]
            if fp is None:
                continue
            idx.images.append(ImageEntry(rec.dossier_id, page.file, page.page, dtype,
                                         persons.get((page.file, page.page)), fp, numbers_on_page(page.text),
                                         words_on_page(page.text)))
    idx.same_files = {did: [o for o in ids if o != did] for ids in by_files.values() if len(ids) > 1 for did in ids}
    idx.image_partners, idx.region_near = image_candidates(idx.images)
    idx.pair_verdicts = pair_verdicts(idx.images, idx.image_partners, workers)
    for row in registry:
        if row.uscc:
            idx.registry_by_uscc.setdefault(uscc.compact(row.uscc), []).append(row)
        idx.registry_by_name.setdefault(norm_name(row.unit_name), []).append(row)
        for n in row.member_id_numbers:
            idx.registry_by_member.setdefault(ric.compact(n), []).append(row)
    return idx


def image_candidates(images: list[ImageEntry]) -> tuple[dict[int, list[int]], dict[tuple[int, int], list[tuple[int, int]]]]:
    """(BatchIndex.image_partners, BatchIndex.region_near) of the entries: pages of one
    document type paired by the candidate search, and each picture block of a person's page
    with its nearest blocks on other people's pages."""
    codes = [candidates.PageCode(e.doc_type, candidates.hash_code(e.fp.phash), e.fp.shade, e.numbers, e.dossier_id,
                                 None if e.words is None else frozenset(e.words.tolist())) for e in images]
    partners: dict[int, list[int]] = {}
    for i, j in candidates.page_pairs(codes, image_hash.PHASH_CANDIDATE, MIN_SHARED_NUMBERS, PERSON_DOCUMENTS, MIN_WORDS):
        partners.setdefault(i, []).append(j)
        partners.setdefault(j, []).append(i)
    blocks = [(i, k) for i, e in enumerate(images) if e.person for k in range(len(e.fp.regions))]
    near = candidates.region_neighbours([candidates.region_code(images[i].fp.regions[k][1]) for i, k in blocks])
    return partners, {blocks[n]: [blocks[m] for m in near[n]] for n in range(len(blocks))}


# Pages of one template share their layout hash (distance 0 between two blank-ish forms),
# so the pixel alignment would run on every pair of contracts or certificates. The pixel
# route only confirms unedited reuse, and an unedited image prints the same numbers: pairs
# whose printed numbers mostly differ are not aligned.
MIN_SHARED_NUMBERS = 0.5


# Pages printing fewer than two numbers (a contract's clauses, a certificate's citation) are
# told apart by their words instead: one image read twice gives the same words, a re-cropped
# copy a subset of them, a retouched one all but the changed fields, so most of the fewer
# page's character pairs are on the other page. Two different pages of one template share
# the template's words, and are aligned as before. Measured on the sample batch's candidate
# pairs: every pair the alignment found to be one layout shared at least 0.47 of its pairs;
# of those it found not to be, three in four shared less than 0.4 (a contract's different
# clause pages among themselves), and are no longer aligned.
MIN_SHARED_WORDS = 0.4
MIN_WORDS = 40  # character pairs on each page; fewer is too little text read to tell


def may_be_same_image(a: ImageEntry, b: ImageEntry) -> bool:
    if len(a.numbers) >= 2 and len(b.numbers) >= 2:
        shared = len(a.numbers & b.numbers) / min(len(a.numbers), len(b.numbers))
        return shared >= MIN_SHARED_NUMBERS
    if a.words is None or b.words is None or min(a.words.size, b.words.size) < MIN_WORDS:
        return True  # too little text read to tell
    shared = np.intersect1d(a.words, b.words, assume_unique=True).size / min(a.words.size, b.words.size)
    return shared >= MIN_SHARED_WORDS


def worth_aligning(a: ImageEntry, b: ImageEntry) -> bool:
    """Whether REUSED_IMAGE's pixel route compares two page entries at all: one document
    type, not the same person's document filed twice in one dossier, numbers not
    contradicting one image."""
    if a is b or a.doc_type != b.doc_type:
        return False
    if a.dossier_id == b.dossier_id and (a.person is None or b.person is None or a.person == b.person):
        return False
    return may_be_same_image(a, b)


def pair_key(a: ImageEntry, b: ImageEntry) -> tuple:
    """A page pair's name, the same whichever page is met first; its first page is the one
    aligned onto (alignment is not symmetric: the same batch gives the same figures)."""
    return tuple(sorted([(a.dossier_id, a.file, a.page), (b.dossier_id, b.file, b.page)]))


def measure_pair(a: ImageEntry, b: ImageEntry) -> tuple[bool, dict]:
    first, second = (a, b) if pair_key(a, b)[0] == (a.dossier_id, a.file, a.page) else (b, a)
    return image_hash.near_duplicate(first.fp, second.fp, selected=True)


def pair_verdicts(images: list[ImageEntry], partners: dict[int, list[int]], workers: int = 1) -> dict[tuple, tuple[bool, dict]]:
    """near_duplicate of every candidate pair worth aligning, each once, on `workers`
    threads (the alignment is OpenCV work that releases the GIL). Pairs are taken page by
    page, so a page's reference side (image_hash._reference_side) is made once for its
    partners."""
    todo: dict[tuple, tuple[ImageEntry, ImageEntry]] = {}
    for i in sorted(partners):
        for j in partners[i]:
            a, b = images[i], images[j]
            if worth_aligning(a, b):
                todo.setdefault(pair_key(a, b), (a, b))
    if workers <= 1 or len(todo) <= 1:
        return {k: measure_pair(a, b) for k, (a, b) in todo.items()}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(todo, pool.map(lambda ab: measure_pair(*ab), todo.values())))
