"""第十条: one subsidy per applicant per year (ART10) and FUNDING_CONFLICT."""
from __future__ import annotations

import datetime as dt

from extractors.records import DossierRecord
from validators.batch_index import BatchIndex, norm_name
from validators.findings import Check, Flag
from validators.findings_util import make_flag
from validators.identifiers import uscc as uscc_id
from validators.registry import RegistryRow


def registry_rows_for(record: DossierRecord, index: BatchIndex) -> list[RegistryRow]:
    """The registry's rows for this applicant: by its credit code; by name only for rows
    that record no code, or when the dossier's code was not read (a row with another code
    is another unit of the same name, not this one)."""
    a = record.applicant
    if a.uscc and uscc_id.compact(a.uscc) in index.registry_by_uscc:
        return index.registry_by_uscc[uscc_id.compact(a.uscc)]
    named = index.registry_by_name.get(norm_name(a.name), []) if a.name else []
    if a.uscc and uscc_id.is_valid(a.uscc):
        return [r for r in named if not r.uscc]
    return named


def check_art10(record: DossierRecord, index: BatchIndex, as_of: dt.date, registry_given: bool) -> tuple[Check, list[Flag]]:
    if not registry_given:
        return Check("ART10", "needs_review", "第十条：未提供历年认定/资助登记表，无法核对同一年度是否已享受其他扶持经费"), []
    same_year = [r for r in registry_rows_for(record, index) if r.year == as_of.year]
    evidence = [p for k in ("uscc", "name") for p in record.applicant.provenance.get(k, [])[:1]]
    if not same_year:
        return Check("ART10", "pass", f"第十条：登记表中申请单位{as_of.year}年度无其他扶持经费记录", evidence), []
    listed = "、".join(f"{r.year}年{r.programme}（登记表第{r.line}行）" for r in same_year)
    detail = (f"第十条：同一年度同一申报单位只能申领一种扶持经费，登记表显示该单位已有{listed}。"
              f"此项不影响认定，但本年度技师工作站建设扶持经费不能与之同时申领，请核实该单位本年度已享受的扶持经费")
    flag = make_flag("FUNDING_CONFLICT", record.applicant.name or "申请单位", detail, evidence, proof=["registry"])
    return Check("ART10", "fail", detail, evidence), [flag]
