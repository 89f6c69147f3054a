"""Chinese names of everything a reviewer reads: rules, statuses, flags, document types, stages.

Kept in one place so the worksheet, the summary and the review page say the same thing.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from validators.findings_util import data

# Every rule id that must appear exactly once in result.json's checks (CONTRACT.md).
RULE_IDS = (
    "ART3", "ART4.1", "ART4.2", "ART4.3", "ART4.4", "ART4.5",
    "ART5.1", "ART5.2", "ART5.3", "ART5.4", "ART5.F", "ART10", "ART17",
)

# Article and topic of each rule id, and the Chinese name of each flag code: one data file
# each, shared with the finding texts of validators/ (validators/data/rules.yaml, flags.yaml).
_RULES = data("rules.yaml")
RULE_ARTICLE = {rule: spec["article"] for rule, spec in _RULES.items()}
RULE_TOPIC = {rule: spec["topic"] for rule, spec in _RULES.items()}


def rule_label(rule: str) -> str:
    """'ART4.1' -> '第四条第（一）项 3名以上技师、高级技师'."""
    art = RULE_ARTICLE.get(rule, rule)
    topic = RULE_TOPIC.get(rule)
    return f"{art} {topic}" if topic else art


STATUS = {
    "pass": "通过",
    "fail": "不通过",
    "needs_review": "需人工审核",
    "not_applicable": "不适用",
}

SEVERITY = {"high": "高", "medium": "中", "low": "低"}

RECOMMENDATION = {
    "proceed": "建议进入下一审核阶段",
    "request_correction": "建议通知补正材料",
    "ineligible": "不符合申报条件",
    "refer_false_materials": "疑似提供虚假材料，建议移交核查",
}

FLAG = {code: spec["name"] for code, spec in data("flags.yaml").items()
        if isinstance(spec, dict) and "name" in spec}

DOC_TYPE = {
    "id_card": "居民身份证",
    "qualification_certificate": "职业资格（技能等级）证书",
    "business_licence": "营业执照/法人登记证书",
    "bank_account": "基本账户证明",
    "labour_contract": "劳动合同/聘用合同/工作协议",
    "application_form": "设立申请表",
    "application_report": "申请报告",
    "achievement": "业绩材料",
    "other": "其他",
}

# Art. 6 stages, in order, with their limits in working days (RULES.md).
STAGES = (
    ("资格初审", 7),
    ("资格复核", 7),
    ("综合评议", 15),
    ("结果公示", 5),
)

_CONCLUSIONS = yaml.safe_load((Path(__file__).with_name("data") / "conclusions.yaml").read_text(encoding="utf-8"))
# The materials vocabulary (资格初审, 资格复核, 综合评议 items); other sheets: conclusions().
DECISIONS = tuple(_CONCLUSIONS["sheets"]["资格初审"]["items"])
LEGACY_DECISIONS = tuple(_CONCLUSIONS["legacy"])


def conclusions(sheet: str) -> dict:
    """{"items": [...], "stage": [...], "article": "..."} for a worksheet sheet (empty lists
    for a sheet where nothing is concluded, such as 期限)."""
    spec = _CONCLUSIONS["sheets"].get(sheet) or {}
    return {"items": list(spec.get("items") or []), "stage": list(spec.get("stage") or []),
            "article": spec.get("article", ""), "rule": spec.get("rule", "")}

FIELD = {
    "applicant": {
        "name": "单位名称", "uscc": "统一社会信用代码", "legal_representative": "法定代表人",
        "address": "住所", "registration_authority": "登记机关", "established": "成立日期",
    },
    "bank_account": {
        "account_name": "账户名称", "account_number": "账号", "bank": "开户银行",
        "basic_account_licence_no": "基本存款账户编号",
    },
    "member": {
        "name": "姓名", "id_number": "身份证号码", "sex": "性别", "birth_date": "出生日期",
        "occupation": "职业（工种）", "level": "等级", "certificate_kind": "证书类别",
        "certificate_number": "证书编号", "certificate_issue_date": "发证日期",
        "certificate_issuer": "发证机构", "contract_end": "合同终止日期",
    },
}

REPORT_SECTION = {
    "basic": "单位基本情况",
    "training_system": "人才培养体系建立情况",
    "rnd": "技术研发和攻关开展情况",
    "plan": "建站设想",
    "organisation": "组织架构、成员情况及职责分工",
    "management": "技师工作站管理制度",
    "funding": "资金投入",
    "site_equipment": "场地设备配置",
    "topics": "师带徒和技术攻关课题计划",
}


def field_label(kind: str, name: str) -> str:
    return FIELD.get(kind, {}).get(name, name)
