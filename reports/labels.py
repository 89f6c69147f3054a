"""Chinese names of everything a reviewer reads: rules, statuses, flags, document types, stages.

Kept in one place so the worksheet, the summary and the review page say the same thing.
"""
from __future__ import annotations

# Every rule id that must appear exactly once in result.json's checks (CONTRACT.md).
RULE_IDS = (
    "ART3", "ART4.1", "ART4.2", "ART4.3", "ART4.4", "ART4.5",
    "ART5.1", "ART5.2", "ART5.3", "ART5.4", "ART5.F", "ART10", "ART17",
)

RULE_ARTICLE = {
    "ART3": "第三条",
    "ART4.1": "第四条第（一）项",
    "ART4.2": "第四条第（二）项",
    "ART4.3": "第四条第（三）项",
    "ART4.4": "第四条第（四）项",
    "ART4.5": "第四条第（五）项",
    "ART5.1": "第五条第（一）项",
    "ART5.2": "第五条第（二）项",
    "ART5.3": "第五条第（三）项",
    "ART5.4": "第五条第（四）项",
    "ART5.F": "第五条（材料形式）",
    "ART5.X": "第五条（虚假材料）",
    "ART6": "第六条",
    "ART10": "第十条",
    "ART15.1": "第十五条第（一）项",
    "ART17": "第十七条",
}

RULE_TOPIC = {
    "ART3": "申报单位注册在高明区",
    "ART4.1": "3名以上技师、高级技师",
    "ART4.2": "开展师带徒、拜师学艺",
    "ART4.3": "管理制度、资金、场地和设备",
    "ART4.4": "先进的生产、科研设备",
    "ART4.5": "技术攻关、技术研讨能力和经验",
    "ART5.1": "技师工作站设立申请表",
    "ART5.2": "申请报告",
    "ART5.3": "成员身份证、职业资格（技能等级）证书、业绩材料、劳动合同",
    "ART5.4": "法人登记证书/营业执照/组织机构代码证及基本账户",
    "ART5.F": "复印件注明“与原件相符”并加盖单位公章",
    "ART5.X": "提供虚假材料",
    "ART10": "同一年度只享受一项资助",
    "ART15.1": "以虚假材料获得认定",
    "ART17": "办法有效期",
}


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

FLAG = {
    "ID_NUMBER_INVALID": "身份证号码校验不通过",
    "USCC_INVALID": "统一社会信用代码校验不通过",
    "IDENTITY_MISMATCH": "同一人员信息前后不一致",
    "APPLICANT_MISMATCH": "申报单位名称或代码前后不一致",
    "CERTIFICATE_INCONSISTENT": "证书信息自相矛盾",
    "DUPLICATE_PERSON": "人员重复申报",
    "DUPLICATE_BANK_ACCOUNT": "银行账号与其他单位重复",
    "REUSED_IMAGE": "图片疑似重复使用",
    "PDF_EDITED": "PDF文件有编辑痕迹",
    "TEXT_LAYER_MISMATCH": "PDF文字层与图像内容不符",
    "IMAGE_TAMPERED": "图像局部疑似篡改",
    "FUNDING_CONFLICT": "同一年度已享受其他资助",
}

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

DECISIONS = ("符合", "不符合", "需补正")

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
