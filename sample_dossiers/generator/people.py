"""People, units and their identifiers: names, GB 11643 ID numbers, GB 32100 USCCs,
certificate and bank account numbers. All check characters are computed here (not taken
from stdnum) so a planted invalid number is invalid in exactly the intended way."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

SURNAMES = "陈李黄张梁何刘吴麦区谭冯罗杨周林郭邓谢苏叶潘伍朱卢钟严彭曾廖胡欧"
GIVEN_M = ["志强", "国华", "建明", "伟东", "家豪", "锦辉", "永健", "振宇", "海滨", "俊杰",
           "文斌", "炳权", "德生", "耀华", "卓明", "浩然", "润生", "健雄", "少峰", "嘉诚"]
GIVEN_F = ["秀英", "丽娟", "慧敏", "美玲", "淑仪", "晓燕", "翠萍", "嘉欣", "惠芳", "雪梅"]
ETHNIC = ["汉"] * 9 + ["壮"]

# Gaoming codes (440608 since 2002; 440684/440624 kept by older residents) and a few elsewhere
# (region codes of GB/T 2260, the administrative division codes the ID number begins with).
GAOMING_REGIONS = ["440608", "440684", "440624"]
OTHER_REGIONS = {"440606": "广东省佛山市顺德区", "445281": "广东省普宁市", "430524": "湖南省隆回县",
                 "452501": "广西壮族自治区玉林市", "510322": "四川省富顺县", "360729": "江西省全南县"}
STREETS = ["荷城街道", "杨和镇", "明城镇", "更合镇"]

OCCUPATIONS = ["数控车工", "钳工", "焊工", "电工", "模具工", "铣工", "装配钳工", "工具钳工", "电切削工"]
LEVELS = {  # level -> (digit, 职业资格 wording, 技能等级 wording)
    "高级技师": ("1", "高级技师（国家职业资格一级）", "一级/高级技师"),
    "技师": ("2", "技师（国家职业资格二级）", "二级/技师"),
    "高级工": ("3", "高级工（国家职业资格三级）", "三级/高级工"),
    "中级工": ("4", "中级工（国家职业资格四级）", "四级/中级工"),
    "初级工": ("5", "初级工（国家职业资格五级）", "五级/初级工"),
    "特级技师": ("", "特级技师", "特级技师"),
    "首席技师": ("", "首席技师", "首席技师"),
}
# Above the five levels; DOCUMENTS.md: their certificates use two letters and 20 digits.
# Which letters is not published: these two are our choice, and nothing may depend on them.
TOP_LEVELS = {"特级技师": "TJ", "首席技师": "SX"}
EVALUATORS = ["佛山市高明区职业技能培训中心", "广东华科职业技能评价有限公司", "佛山市技师学院", "广东精工职业技能评价中心"]
FOSHAN = "06"  # city part of Foshan's region codes (4406xx, GB/T 2260)


def cert_number(rng: random.Random, fmt: str, level: str, issue: dt.date) -> str:
    """A certificate number in a format DOCUMENTS.md describes ("as the coding rule is
    widely reproduced"):
    - qual16: 职业资格证书, YY 44 CC T AAA L SSSSS — issue year, province, city,
      institution type (0-4), institution serial, level digit (11th), serial;
    - skill22: 职业技能等级证书, K AAAA 44 SSSSSS YY L NNNNNN — agency kind (Y employer,
      S social organisation), agency code (0000 for province-filed agencies), province,
      site serial, issue year, level digit (16th), serial;
    - qual13: the shorter regional 职业资格证书 (Shanghai's 13 digits); its inner structure
      is not published, so the digits carry none;
    - top22: 特级技师 / 首席技师, two letters and 20 digits (structure not published)."""
    digits = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))
    if fmt == "qual16":
        return f"{issue:%y}44{FOSHAN}{rng.randint(0, 4)}{rng.randint(1, 999):03d}{LEVELS[level][0]}{digits(5)}"
    if fmt == "skill22":
        agency = "0000" if rng.random() < 0.4 else f"{rng.randint(1, 9999):04d}"
        return f"{rng.choice('YS')}{agency}44{digits(6)}{issue:%y}{LEVELS[level][0]}{digits(6)}"
    if fmt == "qual13":
        return str(rng.randint(1, 9)) + digits(12)
    if fmt == "top22":
        return TOP_LEVELS[level] + digits(20)
    raise ValueError(fmt)


def level_position(number: str) -> int | None:
    """Index of the level digit in a number of a published format, else None."""
    if len(number) == 16 and number.isdigit():
        return 10
    if len(number) == 22 and number[0] in "YS" and number[1:].isdigit():
        return 15
    return None
RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
RIC_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def ric_check(first17: str) -> str:
    return RIC_CHECK[sum(int(c) * w for c, w in zip(first17, RIC_WEIGHTS)) % 11]


def make_ric(region: str, birth: dt.date, seq: int, male: bool) -> str:
    # The sequence's last digit carries the sex: odd for men, even for women.
    seq = seq - seq % 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric_check(body)


def org_code_check(first8: str) -> str:
    """GB 11714 check character of an organisation code (digits/letters, '0'-'9','A'-'Z')."""
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_WEIGHTS))
    v = 11 - total % 11
    return {10: "X", 11: "0"}.get(v, str(v))


def uscc_check(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(rng: random.Random, region: str = "440608", kind: str = "91") -> str:
    """`kind`: registration authority and type (GB 32100-2015: 91 enterprise, 92
    个体工商户, both registered by market regulation)."""
    org8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    org8 = "MA" + org8[2:] if rng.random() < 0.7 else org8  # MA…: codes issued after 2015
    body = kind + region + org8 + org_code_check(org8)
    return body + uscc_check(body)


def corrupt_last(s: str, alphabet: str) -> str:
    """Replace the check character by a different one: a typo'd / invented number."""
    i = alphabet.index(s[-1]) if s[-1] in alphabet else 0
    return s[:-1] + alphabet[(i + 3) % len(alphabet)]


def chinese_amount_wan(n: int) -> str:
    """500 -> 伍佰万元 (capital numerals, as printed on licences)."""
    digits = "零壹贰叁肆伍陆柒捌玖"
    out = ""
    for unit, val in (("仟", 1000), ("佰", 100), ("拾", 10), ("", 1)):
        d = n // val % 10
        if d:
            out += digits[d] + unit
        elif out and not out.endswith("零") and n % val:
            out += "零"
    return out + "万元"


@dataclass
class Person:
    name: str
    sex: str
    ethnic: str
    birth: dt.date
    region: str
    id_number: str
    address: str
    id_issuer: str
    id_valid: str
    occupation: str = ""
    level: str = "技师"
    cert_kind: str = "职业资格证书"
    cert_number: str = ""
    cert_issue: dt.date | None = None
    cert_issuer: str = ""
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None  # None = 无固定期限
    has_contract: bool = True
    photo_seed: int = 0
    # Variants a document may print instead of the truth (planted mismatches).
    overrides: dict = field(default_factory=dict)


def id_validity_years(age: int) -> int | None:
    """A card's validity by the holder's age at issue (居民身份证法 第五条: under 16 five
    years, 16-25 ten, 26-45 twenty, 46 and over 长期)."""
    if age < 16:
        return 5
    if age <= 25:
        return 10
    return 20 if age <= 45 else None


def make_person(rng: random.Random, used: set, level: str = "技师", local: bool = True,
                rare_formats: bool = False) -> Person:
    """`rare_formats` lets a member from elsewhere hold a certificate in a regional number
    format (DOCUMENTS.md's known variants), as some real members do."""
    male = rng.random() < 0.8
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_M if male else GIVEN_F)
        if name not in used:
            used.add(name)
            break
    birth = dt.date(rng.randint(1968, 1994), rng.randint(1, 12), rng.randint(1, 28))
    street = rng.choice(STREETS)
    if local:
        # Registered before 1994 -> 440624, 1994-2002 -> 440684, later 440608; older
        # residents keep the old code whatever their current registration.
        region = "440624" if birth.year < 1980 else rng.choice(["440684", "440608"])
        address = f"广东省佛山市高明区{street}{rng.choice(['文华路', '沧江路', '三洲路', '明富路'])}{rng.randint(1, 300)}号"
        id_issuer = "佛山市公安局高明分局"
    else:
        region = rng.choice(sorted(OTHER_REGIONS))
        address = f"{OTHER_REGIONS[region]}{rng.choice(['城关镇', '新华街道', '河西村'])}{rng.randint(1, 99)}号"
        id_issuer = OTHER_REGIONS[region].split("省")[-1].split("自治区")[-1][:3] + "公安局"
    id_number = make_ric(region, birth, rng.randint(1, 998), male)
    start = dt.date(rng.randint(2012, 2022), rng.randint(1, 12), rng.randint(1, 28))
    years = id_validity_years(start.year - birth.year)
    if years and start.year + years <= 2026:  # a card still valid when the dossier is screened
        start = start.replace(year=2027 - years)
    end = "长期" if years is None else f"{start.year + years}.{start:%m.%d}"
    occ = rng.choice(OCCUPATIONS)
    cert_kind = "职业资格证书" if rng.random() < 0.55 else "职业技能等级证书"
    if cert_kind == "职业资格证书":
        # a 技师 certificate takes years of practice: issued at 22 at the earliest
        issue = dt.date(max(rng.randint(2010, 2019), min(birth.year + 22, 2019)), rng.randint(1, 12), rng.randint(1, 28))
        issuer = rng.choice(["广东省人力资源和社会保障厅", "佛山市人力资源和社会保障局"])
        fmt = "qual16"
        if rare_formats and not local and rng.random() < 0.3:
            # DOCUMENTS.md: some regions printed shorter numbers (Shanghai's 13 digits)
            fmt, issuer = "qual13", "上海市人力资源和社会保障局"
        number = cert_number(rng, fmt, level, issue)
    else:
        issue = dt.date(rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 28))
        number = cert_number(rng, "skill22", level, issue)
        issuer = rng.choice(EVALUATORS)
    c_start = dt.date(rng.randint(2019, 2024), rng.randint(1, 12), 1)
    c_end = None if rng.random() < 0.3 else dt.date(c_start.year + rng.choice([3, 5]), c_start.month, 1) - dt.timedelta(days=1)
    if c_end is not None and c_end < dt.date(2026, 7, 1):
        c_end = dt.date(2028, c_start.month, 1) - dt.timedelta(days=1)
    return Person(name, "男" if male else "女", rng.choice(ETHNIC), birth, region, id_number, address,
                  id_issuer, f"{start:%Y.%m.%d}-{end}", occ, level, cert_kind, number, issue, issuer,
                  c_start, c_end, True, rng.randint(0, 10**6))


COMPANY_CORES = ["精锐", "宏达", "华盛", "明辉", "鑫源", "荷城", "汇丰源", "科达", "永利", "金沙", "众鑫", "恒力"]
COMPANY_TRADES = [("精密机械", "精密机械零部件加工、制造；模具设计与制造"),
                  ("五金制品", "五金制品、金属结构件制造与销售"),
                  ("电气设备", "电气设备、配电开关控制设备制造与安装"),
                  ("模具", "模具制造；注塑件加工；机械零部件加工"),
                  ("汽车配件", "汽车零部件及配件制造；金属表面处理")]
BANKS = ["中国工商银行佛山高明支行", "中国农业银行佛山高明支行", "中国建设银行佛山高明支行",
         "广东顺德农村商业银行高明支行", "中国银行佛山高明支行"]
LEGAL_NAMES = ["区", "麦", "谭", "梁", "冯"]


@dataclass
class Unit:
    name: str
    uscc: str
    legal_rep: str
    address: str
    authority: str
    established: dt.date
    capital_wan: int
    scope: str
    kind: str
    bank: str
    account_number: str
    licence_no: str  # 基本存款账户编号 / 开户许可证核准号
    phone: str
    contact: str


def make_unit(rng: random.Random, used: set, district: str = "高明区") -> Unit:
    core = rng.choice(COMPANY_CORES)
    trade, scope = rng.choice(COMPANY_TRADES)
    name = f"佛山市{district}{core}{trade}有限公司" if rng.random() < 0.7 else f"佛山市{core}{trade}科技有限公司"
    if district != "高明区":
        name = f"佛山市{district}{core}{trade}有限公司"
    region = "440608" if district == "高明区" else "440605"
    legal = make_person(rng, used).name
    est = dt.date(rng.randint(2003, 2017), rng.randint(1, 12), rng.randint(1, 28))
    street = rng.choice(STREETS) if district == "高明区" else "狮山镇"
    address = f"佛山市{district}{street}{rng.choice(['沧江工业园', '富湾工业区', '新材料产业园', '三洲工业区'])}{rng.choice(['兴业路', '智湖路', '明兴路'])}{rng.randint(1, 60)}号"
    acct = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([17, 19, 20])))
    acct = str(rng.randint(1, 9)) + acct[1:]
    return Unit(name, make_uscc(rng, region), legal, address, f"佛山市{district}市场监督管理局", est,
                rng.choice([100, 200, 300, 500, 800, 1000]), scope,
                "有限责任公司（自然人投资或控股）", rng.choice(BANKS), acct,
                f"J{rng.randint(5800000000000, 5899999999999)}", f"0757-88{rng.randint(100000, 999999)}",
                make_person(rng, used).name)
