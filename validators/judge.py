"""Judge one dossier: every check of CONTRACT.md once, every flag that applies, the
recommendation (order from the rule set's data, as in docs/SCREENING.md) and warnings.

Pure function over plain records; the flow calls it once per dossier after build_index.
"""
from __future__ import annotations

import datetime as dt

from extractors.records import DossierRecord
from validators.batch_index import BatchIndex
from validators.checks.eligibility import check_art3, check_art4_1, check_art4_judgement
from validators.checks.funding import check_art10
from validators.checks.materials import check_art5_1, check_art5_2, check_art5_3, check_art5_4, check_art5_f
from validators.checks.validity import check_art17
from validators.findings import Check, Flag, Judgement
from validators.findings_util import data
from validators.flags.batch import duplicate_account_flags, duplicate_person_flags, reused_image_flags
from validators.flags.consistency import applicant_flags, certificate_flags, identity_flags
from validators.flags.documents import image_flags, pdf_flags, text_layer_flags
from validators.flags.identifiers import id_number_flags, uscc_flags
from validators.ruleset import RuleSet
from validators.severity import settle

CHECK_ORDER = ("ART3", "ART4.1", "ART4.2", "ART4.3", "ART4.4", "ART4.5", "ART5.1", "ART5.2", "ART5.3",
               "ART5.4", "ART5.F", "ART10", "ART17")

REASONS = {
    "refer_false_materials": "存在疑似虚假材料（{items}），依第五条移交核查",
    "ineligible": "不符合申报条件（{items}未通过）",
    "request_correction": "材料不齐或不规范（{items}），请申请单位补正",
    "proceed": "未发现问题，可进入下一审查环节",
}
# 第十条 is no bar to recognition (CONTRACT.md): the reason carries it as a note whatever the route.
FUNDING_NOTE = ("另：依第十条，同一年度同一申报单位只能申领一种扶持经费，该单位本年度已享受{programmes}，"
                "本年度技师工作站建设扶持经费不能与之同时申领（不影响认定）")


def _rule_names(rules) -> str:
    names = data("rules.yaml")
    return "、".join(f"{names[r]['article']}{names[r]['topic']}" if r in names else r for r in rules)


def _flag_names(codes) -> str:
    table = data("flags.yaml")
    return "、".join(table[c].get("name", c) if isinstance(table.get(c), dict) else c for c in codes)


def _cite_revocation(record: DossierRecord, index: BatchIndex, flags: list[Flag]) -> None:
    """A unit already recognised as a station (registry) answers for false materials under
    第十五条第（一）项 too: the recognition it holds may be revoked."""
    from validators.checks.funding import registry_rows_for

    held = [r for r in registry_rows_for(record, index) if r.programme == "技师工作站"]
    if not held:
        return
    listed = "、".join(f"{r.year}年（登记表第{r.line}行）" for r in held)
    for f in flags:
        if f.rule == "ART5.X":
            f.detail += f"。该单位已被认定为技师工作站（{listed}），如经核实，并依第十五条第（一）项撤销其认定"


def recommend(checks: list[Check], flags: list[Flag], ruleset: RuleSet) -> tuple[str, str]:
    status = {c.rule: c.status for c in checks}
    for step in ruleset.recommendation:
        value = step["value"]
        if step["when"] == "high_flag":
            hits = [f for f in flags if f.severity == "high" and f.rule in step["flag_rules"]]
            if hits:
                return value, REASONS[value].format(items=_flag_names(dict.fromkeys(f.code for f in hits)))
        elif step["when"] == "check_fails":
            failed = [r for r in step["rules"] if status.get(r) == "fail"]
            if failed:
                return value, REASONS[value].format(items=_rule_names(failed))
        elif step["when"] == "always":
            return value, REASONS[value]
    return "proceed", REASONS["proceed"]


def judge(record: DossierRecord, index: BatchIndex, ruleset: RuleSet, as_of: dt.date,
          registry_given: bool = False) -> Judgement:
    flags: list[Flag] = []
    warnings: list[str] = []
    art10, funding_flags = check_art10(record, index, as_of, registry_given)
    checks = {
        "ART3": check_art3(record, ruleset),
        "ART4.1": check_art4_1(record, ruleset, as_of),
        **{r: check_art4_judgement(record, r) for r in ("ART4.2", "ART4.3", "ART4.4", "ART4.5")},
        "ART5.1": check_art5_1(record),
        "ART5.2": check_art5_2(record, ruleset),
        "ART5.3": check_art5_3(record),
        "ART5.4": check_art5_4(record),
        "ART5.F": check_art5_f(record, ruleset),
        "ART10": art10,
        "ART17": check_art17(ruleset, as_of),
    }
    for fn in (lambda: id_number_flags(record, as_of), lambda: uscc_flags(record)):
        f, w = fn()
        flags += f
        warnings += w
    flags += identity_flags(record, warnings)
    flags += applicant_flags(record, warnings)
    flags += certificate_flags(record, as_of)
    flags += duplicate_person_flags(record, index, as_of)
    flags += duplicate_account_flags(record, index)
    flags += reused_image_flags(record, index)
    flags += pdf_flags(record)
    flags += text_layer_flags(record)
    flags += image_flags(record)
    flags += funding_flags
    settle(flags)  # severity needs proof: decided in one place, from what each flag rests on
    _cite_revocation(record, index, flags)
    if record.error:
        warnings.append(f"申报材料无法完整读取：{record.error}")
    twins = index.same_files.get(record.dossier_id)
    if twins:
        warnings.append(f"本批次中{'、'.join(twins)}的文件与本卷宗的文件内容完全相同：请核实是否同一份申报材料重复放入批次或重复申报；"
                        f"两份卷宗的人员、账户与扫描件会互相标为重复")
    ordered = [checks[r] for r in CHECK_ORDER]
    rec, reason = recommend(ordered, flags, ruleset)
    if any(f.code == "FUNDING_CONFLICT" for f in flags):
        from validators.checks.funding import registry_rows_for

        held = dict.fromkeys(r.programme for r in registry_rows_for(record, index) if r.year == as_of.year)
        reason += "；" + FUNDING_NOTE.format(programmes="、".join(held) or "其他扶持经费")
    return Judgement(checks=ordered, flags=flags, recommendation=rec, recommendation_reason=reason, warnings=warnings)
