"""ID_NUMBER_INVALID and USCC_INVALID, with the OCR re-read cross-check.

A value that fails its check digit is first suspected to be an OCR misreading: if another
engine's reading of the same crop (`Provenance.rereads`) differs and is valid, the reading
was wrong, not the document — a warning asks the reviewer to confirm, no flag. Without a
re-read the flag stands, and says the value comes from OCR with its confidence.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from extractors.masking import mask_id
from extractors.records import DossierRecord, Provenance
from validators.findings import Flag
from validators.findings_util import make_flag, person_label, where
from validators.identifiers import ric, uscc

_READ_ENGINES = ("text_layer", "docx")


def _reread_values(p: Provenance) -> list[str]:
    """Readings of successful re-reads; failed ones carry only {"engine", "error"}."""
    return [str(r.get("value") or r.get("text") or "") for r in p.rereads if not r.get("error")]


def _source_note(p: Provenance) -> str:
    if p.engine in _READ_ENGINES:
        return f"（取自{where(p)}的{'文字层' if p.engine == 'text_layer' else 'Word文档'}）"
    if any(v for v in _reread_values(p)):
        return f"（{where(p)}，OCR置信度{p.confidence:.2f}，另一识别引擎复核重读仍不通过校验）"
    return f"（{where(p)}，数值来自OCR识别，置信度{p.confidence:.2f}，未能复核重读，请对照原件）"


def _failure_proof(v: str, p: Provenance | None, provs: list[Provenance], compact: Callable[[str], str]) -> list[str]:
    """What an invalid value rests on: read exactly (text layer, Word), or failing on two
    independent readings — a second engine's re-read of the crop stating the same number,
    or a second document reading the same number — else a single OCR reading."""
    if p is None:
        return ["single_ocr"]
    if p.engine in _READ_ENGINES:
        return ["exact_reading"]
    same = [q for q in provs if compact(q.value or q.text or "") == v]
    if len({(q.file, q.page) for q in same}) >= 2:
        return ["check_failed_twice"]
    if any(compact(r) == v for q in same for r in _reread_values(q) if r):
        return ["check_failed_twice"]
    return ["single_ocr"]


def _judge_values(provs: list[Provenance], fallback: str | None, is_valid: Callable[[str], bool],
                  compact: Callable[[str], str]) -> tuple[list[tuple[str, Provenance | None]], list[tuple[str, str, Provenance]]]:
    """(invalid values with their provenance, OCR misreads as (read, reread, prov))."""
    seen: set[str] = set()
    bad: list[tuple[str, Provenance | None]] = []
    misreads: list[tuple[str, str, Provenance]] = []
    items: list[tuple[str, Provenance | None]] = [(p.value or p.text, p) for p in provs if (p.value or p.text)]
    if fallback and compact(fallback) not in {compact(v) for v, _ in items}:
        items.append((fallback, None))
    for value, p in items:
        v = compact(value)
        if v in seen:
            continue
        seen.add(v)
        if is_valid(v):
            continue
        better = [compact(r) for r in (_reread_values(p) if p else []) if r and compact(r) != v and is_valid(compact(r))]
        if better:
            misreads.append((v, better[0], p))
        else:
            bad.append((v, p))
    return bad, misreads


def id_number_flags(record: DossierRecord, as_of: dt.date) -> tuple[list[Flag], list[str]]:
    flags, warnings = [], []
    for m in record.members:
        provs = m.provenance.get("id_number", [])
        bad, misreads = _judge_values(provs, m.id_number, lambda s: ric.is_valid(s, as_of), ric.compact)
        who = person_label(m.name, m.id_number)
        for v, reread, p in misreads:
            warnings.append(f"{who}：{where(p)}的身份证号码OCR读为{mask_id(v)}（不通过校验），复核重读为{mask_id(reread)}（通过校验），"
                            "判断为识别错误，请对照原件确认")
        for v, p in bad:
            detail = (f"第十五条第（一）项：{who}的公民身份号码{v}不符合GB 11643：{ric.reason(v, as_of)}"
                      + (_source_note(p) if p else ""))
            flags.append(make_flag("ID_NUMBER_INVALID", who, detail, [p] if p else [],
                                   proof=_failure_proof(v, p, provs, ric.compact)))
        if m.id_number and ric.is_valid(m.id_number, as_of):
            warnings += [f"{who}：{w}" for w in ric.warnings(m.id_number, as_of)]
    return flags, warnings


def uscc_flags(record: DossierRecord) -> tuple[list[Flag], list[str]]:
    a = record.applicant
    provs = a.provenance.get("uscc", [])
    bad, misreads = _judge_values(provs, a.uscc, uscc.is_valid, uscc.compact)
    flags, warnings = [], []
    subject = a.name or "申请单位"
    for v, reread, p in misreads:
        warnings.append(f"{where(p)}的统一社会信用代码OCR读为{v}（不通过校验），复核重读为{reread}（通过校验），判断为识别错误，请对照原件确认")
    for v, p in bad:
        try:
            uscc.validate(v)
            why = ""
        except uscc.InvalidOrganisationCode:
            why = f"内嵌组织机构代码{uscc.organisation_code(v)}不符合GB 11714校验"
        except Exception:  # noqa: BLE001 - any other failure is the GB 32100 part
            why = "不符合GB 32100（长度、字符或校验码错误）"
        detail = f"第十五条第（一）项：统一社会信用代码{v}{why}" + (_source_note(p) if p else "")
        proof = _failure_proof(v, p, provs, uscc.compact)
        known = uscc.known_nonconforming(v)
        if known:
            detail += f"；注意：{known}"
            proof.append("known_exception")
        flags.append(make_flag("USCC_INVALID", subject, detail, [p] if p else [], proof=proof))
    return flags, warnings
