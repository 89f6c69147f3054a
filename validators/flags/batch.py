"""Cross-dossier flags: DUPLICATE_PERSON, DUPLICATE_BANK_ACCOUNT, REUSED_IMAGE."""
from __future__ import annotations

import datetime as dt
import re
from difflib import SequenceMatcher

import cv2
import numpy as np

from extractors.masking import mask_account
from extractors.records import DossierRecord, Provenance
from validators.batch_index import BatchIndex, applicant_key, norm_account, norm_id, pair_key, worth_aligning
from validators.findings import Flag
from validators.findings_util import make_flag, person_label
from validators.forensics import image_hash
from validators.identifiers import ric


def duplicate_person_flags(record: DossierRecord, index: BatchIndex, as_of: dt.date) -> list[Flag]:
    flags = []
    done: set[str] = set()
    for m in record.members:
        n = norm_id(m.id_number)
        if not n or n in done:
            continue
        done.add(n)
        who = person_label(m.name, m.id_number)
        ev = m.provenance.get("id_number", [])[:2]
        others = sorted(index.members.get(n, set()) - {record.dossier_id})
        if others:
            # A number that passes GB 11643 and equals another dossier's member's is no
            # misreading; one that fails its check may be one.
            proof = ["cross_dossier"] if ric.is_valid(n) else ["cross_dossier", "single_ocr"]
            flags.append(make_flag("DUPLICATE_PERSON", who,
                                   f"第十五条第（一）项：{who}同时是本批次其他申报材料（{'、'.join(others)}）的工作站成员", ev,
                                   proof=proof))
        rows = [r for r in index.registry_by_member.get(n, []) if r.year <= as_of.year]
        if rows:
            listed = "、".join(f"{r.unit_name}{r.year}年{r.programme}（登记表第{r.line}行）" for r in rows)
            flags.append(make_flag("DUPLICATE_PERSON", who, f"第十五条第（一）项：{who}已是往年认定项目的成员：{listed}",
                                   ev, proof=["registry", "registry_earlier_year"]))
    return flags


def duplicate_account_flags(record: DossierRecord, index: BatchIndex) -> list[Flag]:
    acc = norm_account(record.bank_account.account_number)
    if not acc:
        return []
    mine = applicant_key(record)
    others = index.accounts.get(acc, set()) - {mine}
    if not others:
        return []
    dossiers = sorted(d for d in index.account_dossiers.get(acc, set()) if index.applicants.get(d) != mine)
    return [make_flag("DUPLICATE_BANK_ACCOUNT", record.applicant.name or "申请单位",
                      f"第十五条第（一）项：银行账号{mask_account(acc)}同时出现在其他申请单位的材料中（{'、'.join(dossiers)}）",
                      record.bank_account.provenance.get("account_number", [])[:1], proof=["cross_dossier"])]


# What the pixel route's verdict on a page pair (image_hash.near_duplicate) may say. Only
# one scan is proof; a pair whose content matches but whose scan texture does not (or cannot
# be told) is for a reviewer to compare, and only where the page is a person's own document
# (a unit's contract clauses or a template's unfilled page match by design).
_PERSON_DOCUMENTS = ("id_card", "qualification_certificate")


def pixel_route_flag(verdict: str | None, doc_type: str) -> tuple[str, list[str]] | None:
    """(severity, proof) of a REUSED_IMAGE flag for a page pair's verdict, or None."""
    if verdict == "same_scan":
        return "high", ["same_scan"]
    if verdict == "look_alike" or (verdict == "same_content" and doc_type in _PERSON_DOCUMENTS):
        return "medium", ["look_alike"]
    return None


def _where_on_page(box) -> str:
    x0, y0, x1, y1 = box
    return f"横向{x0:.0%}–{x1:.0%}、纵向{y0:.0%}–{y1:.0%}处"


def _pixel_detail(a, where_b: str, info: dict, severity: str) -> str:
    head = f"第十五条第（一）项：{a.file}第{a.page}页的图像与{where_b}"
    figures = f"感知哈希距离{info['phash_distance']}，对齐后最低分块相关系数{info.get('min_tile_correlation')}"
    if severity == "high":
        if info.get("noise_response") is not None:
            proof = (f"为同一次扫描：两页空白处的纸张纹理和扫描噪声逐块吻合（相位相关峰值{info['noise_response']}，"
                     f"{info.get('noise_blocks')}块；{figures}）")
        else:
            proof = f"逐像素一致，未发现任何不同的笔画或印章，页面也没有可区分两次打印的扫描纹理（{figures}）"
        differs = info.get("differs_at") or []
        changed = (f"；两页仅在{'、'.join(_where_on_page(b) for b in differs[:3])}不同，该处内容（如姓名、号码）可能被改动过"
                   if differs else "")
        return head + proof + changed + "，疑似同一扫描件被用于不同人员或不同单位"
    texture = ("但两页的扫描纹理不同，可能是同一份材料分别扫描" if info.get("verdict") == "same_content"
               else "扫描纹理无法判断是否同一次扫描")
    return (head + f"内容一致（{figures}），{texture}，也可能是同一模板分别打印。"
            "请对照两页的姓名、证件号码和日期，以及印章相对文字的位置是否分毫不差，并核对原件")


def reused_image_flags(record: DossierRecord, index: BatchIndex) -> list[Flag]:
    # pairs the index measured (BatchIndex.pair_verdicts); others (no search made, or
    # entries added after it) are measured here, once
    cache = index.__dict__.setdefault("_pair_cache", {})
    flags = []
    for a, others in _page_partners(record, index):
        for b in others:
            if not worth_aligning(a, b):
                continue
            key = pair_key(a, b)
            verdict = index.pair_verdicts.get(key) or cache.get(key)
            if verdict is None:
                first, second = (a, b) if key[0] == (a.dossier_id, a.file, a.page) else (b, a)
                verdict = cache[key] = image_hash.near_duplicate(first.fp, second.fp, selected=index.image_partners is not None)
            _, info = verdict
            same_dossier = b.dossier_id == a.dossier_id
            judged = pixel_route_flag(info.get("verdict"), a.doc_type)
            if judged is None:
                continue
            severity, proof = judged
            where_b = f"{'本申报材料' if same_dossier else '申报材料' + b.dossier_id}的{b.file}第{b.page}页"
            ev = [Provenance(file=a.file, page=a.page, bbox=None, confidence=1.0, text="", engine="image", doc_type=a.doc_type)]
            flags.append(make_flag("REUSED_IMAGE", _subject(record, a.person, a.file, a.page),
                                   _pixel_detail(a, where_b, info, severity), ev, severity=severity, proof=proof))
    # a page already proven reused needs no weaker route; a look-alike may still be proven by one
    proven = {(f.evidence[0].file, f.evidence[0].page) for f in flags if f.severity == "high"}
    flags += _reused_id_card_flags(record, index, proven)
    proven |= {(f.evidence[0].file, f.evidence[0].page) for f in flags if f.severity == "high"}
    flags += _reused_region_flags(record, index, proven)
    return flags


def _page_partners(record: DossierRecord, index: BatchIndex):
    """(page entry, the entries it is compared with) for the dossier's pages: the candidate
    search's partners (BatchIndex.image_partners), or every page where none was made."""
    for i, a in enumerate(index.images):
        if a.dossier_id != record.dossier_id:
            continue
        if index.image_partners is None:
            yield a, index.images
        else:
            yield a, [index.images[j] for j in index.image_partners.get(i, [])]


def _block_partners(index: BatchIndex, i: int, k: int, others: list):
    """(entry, block number, block) of the blocks block k of entry i is compared with."""
    if index.region_near is None:
        return [(b, m, y) for b in others for m, y in enumerate(b.fp.regions)]
    return [(index.images[j], m, index.images[j].fp.regions[m]) for j, m in index.region_near.get((i, k), [])]


REGION_SHAPE_MIN = 0.85


def _region_candidates(x, y) -> bool:
    """Same picture means same grey levels (gain ≈ 1, small offset): blocks whose mean or
    contrast differ cannot match, and skipping them keeps the all-pairs loop cheap."""
    (_, cx), (_, cy) = x, y
    sx, sy = float(cx.std()), float(cy.std())
    if not (abs(float(cx.mean()) - float(cy.mean())) <= 10 and 0.85 <= sx / max(sy, 1e-3) <= 1.18):
        return False
    # coarse shape before the costly alignment: one picture correlates highly even unaligned.
    # At a quarter of the block's size a picture re-cropped, turned by a degree or two or
    # re-compressed stays high (a fine-grained portrait re-cropped and pasted at 0.85 of its
    # size measures just above REGION_SHAPE_MIN, tests/test_validators_robustness.py), while
    # other people's portraits of one layout (a head and shoulders on a plain ground) mostly
    # fall below it; at an eighth their outlines alone agree (bench.index_scale prints how
    # many block pairs reach the ECC).
    ax, ay = (cv2.resize(c, (24, 40), interpolation=cv2.INTER_AREA).ravel() for c in (cx, cy))
    ax, ay = ax - ax.mean(), ay - ay.mean()
    return float(ax @ ay) / max(float(np.linalg.norm(ax) * np.linalg.norm(ay)), 1e-6) >= REGION_SHAPE_MIN


def _reused_region_flags(record: DossierRecord, index: BatchIndex, done: set) -> list[Flag]:
    """A picture block (a portrait) of one person's document found on exactly one other
    person's document, in this dossier or another: medium on its own (see
    image_hash.same_page_region). A block found on three or more people's documents is printed
    artwork of the template (the emblem on an ID card's back, a certificate's logo), not a
    reused picture: every dossier has at least three members, so template artwork always
    shows up that way."""
    cache = index.__dict__.setdefault("_region_cache", {})
    others = [b for b in index.images if b.person and b.fp.regions]
    flags = []
    for i, a in enumerate(index.images):
        if a.dossier_id != record.dossier_id:
            continue
        if (a.file, a.page) in done or not a.person or not a.fp.regions:
            continue
        hit = None
        for k, x in enumerate(a.fp.regions):
            matches = {}
            for b, m, y in _block_partners(index, i, k, others):
                if b is a or not b.person or b.person == a.person or b.person in matches:
                    continue
                key = tuple(sorted([(a.dossier_id, a.file, a.page, k), (b.dossier_id, b.file, b.page, m)]))
                if key not in cache:
                    first = key[0] == (a.dossier_id, a.file, a.page, k)
                    u, v = (x, y) if first else (y, x)
                    pages = (a.fp, k, b.fp, m) if first else (b.fp, m, a.fp, k)
                    cache[key] = image_hash.same_page_region(*pages) if _region_candidates(u, v) else (False, {})
                if cache[key][0]:
                    matches[b.person] = (b, cache[key][1])
                    if len(matches) > 1:
                        break  # template artwork: on two or more other people's pages
            if len(matches) == 1:
                hit = next(iter(matches.values()))
                break
        if not hit:
            continue
        b, info = hit
        where_b = f"{'本申报材料' if b.dossier_id == a.dossier_id else '申报材料' + b.dossier_id}的{b.file}第{b.page}页"
        detail = (f"第十五条第（一）项：{a.file}第{a.page}页中的图片区域（如证件照）与{where_b}另一人材料中的图片几乎相同"
                  f"（对齐后残差{info['residual']}，灰度增益{info['gain']}），疑似同一图像被用于不同人员，请对照原件核实")
        ev = [Provenance(file=a.file, page=a.page, bbox=None, confidence=1.0, text="", engine="image", doc_type=a.doc_type)]
        flags.append(make_flag("REUSED_IMAGE", _subject(record, a.person, a.file, a.page), detail, ev, severity="medium",
                               proof=["single_forensic"]))
    return flags


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s) + ("长期" if "长期" in s else "")


def _same_address(x: str, y: str) -> bool:
    """Equal up to one or two OCR misreadings (similarity ≥ 0.9 over 12+ characters)."""
    return x == y or (min(len(x), len(y)) >= 12 and SequenceMatcher(None, x, y).ratio() >= 0.9)


def _subject(record: DossierRecord, person: str | None, file: str, page: int) -> str:
    """The member the page belongs to (name and masked ID number), else the page."""
    owner = next((m for m in record.members if person and norm_id(m.id_number) == person), None)
    return person_label(owner.name, owner.id_number) if owner else f"{file}第{page}页"


def _reused_id_card_flags(record: DossierRecord, index: BatchIndex, done: set) -> list[Flag]:
    """Two different people's ID card copies with the same address and validity period."""
    flags = []
    for a in (c for c in index.id_cards if c.dossier_id == record.dossier_id):
        if (a.file, a.page) in done or not a.person:
            continue
        for b in index.id_cards:
            if b is a or not b.person or b.person == a.person:
                continue
            if _digits(a.validity) != _digits(b.validity) or not _same_address(a.address, b.address):
                continue
            where_b = f"{'本申报材料' if b.dossier_id == a.dossier_id else '申报材料' + b.dossier_id}的{b.file}第{b.page}页"
            subject = _subject(record, a.person, a.file, a.page)
            detail = (f"第十五条第（一）项：{a.file}第{a.page}页的身份证复印件与{where_b}另一人的身份证住址（{a.address}）和"
                      f"有效期限（{a.validity}）完全相同，疑似同一身份证图像改换姓名、号码后重复使用")
            ev = [Provenance(file=a.file, page=a.page, bbox=None, confidence=1.0, text=a.validity, engine="text",
                             doc_type="id_card")]
            proof = ["two_documents"] if a.exact and b.exact else ["single_ocr"]
            flags.append(make_flag("REUSED_IMAGE", subject, detail, ev, proof=proof))
            break
    return flags
