"""The registry of earlier recognitions and fundings (CONTRACT.md: optional CSV input).

UTF-8 with or without BOM; header in English or Chinese. Every malformed row becomes an
error message with its line number — it is never silently skipped, because a dropped row
would hide a funding conflict (ART10) or a duplicate member.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from validators.identifiers import uscc as uscc_id

PROGRAMMES = ("技能大师工作室", "技师工作站", "高技能人才培训基地", "高技能人才培训示范性基地")
HEADERS = {
    "unit_name": ("unit_name", "单位名称"),
    "uscc": ("uscc", "统一社会信用代码"),
    "programme": ("programme", "项目类型"),
    "year": ("year", "年度"),
    "member_id_numbers": ("member_id_numbers", "成员身份证号码"),
}


@dataclass
class RegistryRow:
    unit_name: str
    uscc: str | None
    programme: str
    year: int
    member_id_numbers: list[str] = field(default_factory=list)
    line: int = 0  # line in the CSV file (header = 1)


def _read_text(path: Path) -> str:
    raw = Path(path).read_bytes()
    # utf-8-sig strips a BOM if present and is plain UTF-8 otherwise.
    return raw.decode("utf-8-sig")


def load_registry(path: str | Path) -> tuple[list[RegistryRow], list[str]]:
    rows: list[RegistryRow] = []
    errors: list[str] = []
    try:
        text = _read_text(Path(path))
    except UnicodeDecodeError:
        return [], [f"登记表{Path(path).name}不是UTF-8编码，无法读取"]
    except OSError as exc:
        return [], [f"登记表{Path(path).name}无法打开：{exc}"]
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], ["登记表为空（没有表头）"]
    columns: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, h in enumerate(header):
            if h in names:
                columns[key] = i
    missing = [HEADERS[k][1] for k in HEADERS if k not in columns]
    if missing:
        return [], [f"第1行：表头缺少列：{'、'.join(missing)}（应为 unit_name,uscc,programme,year,member_id_numbers 或 单位名称,统一社会信用代码,项目类型,年度,成员身份证号码）"]
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            errors.append(f"第{line}行：列数不足（{len(cells)}列，应为{len(header)}列）")
            continue
        get = lambda k: cells[columns[k]].strip()  # noqa: E731
        problems = []
        name = get("unit_name")
        code = uscc_id.compact(get("uscc")) or None
        programme = get("programme")
        if not name and not code:
            problems.append("单位名称和统一社会信用代码均为空")
        if programme not in PROGRAMMES:
            problems.append(f"项目类型“{programme}”不是{'/'.join(PROGRAMMES)}之一")
        year_s = get("year")
        year = int(year_s) if re.fullmatch(r"\d{4}", year_s) else None
        if year is None:
            problems.append(f"年度“{year_s}”不是四位整数")
        ids = [re.sub(r"\s", "", x).upper() for x in re.split(r"[;；]", get("member_id_numbers")) if x.strip()]
        if problems:
            errors.append(f"第{line}行：" + "；".join(problems))
            continue
        rows.append(RegistryRow(name, code, programme, year, ids, line))
    return rows, errors
