"""The 第十五条第（一）项 action sheet: recognised stations reached by a later dossier's
finding (the same member, account or scan), with the page of each dossier to compare."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from reports import atomic
from reports.labels import FLAG, SEVERITY

COLUMNS = ["已认定工作站", "统一社会信用代码", "认定年度", "原卷宗编号", "原卷宗材料页", "疑点", "严重程度",
           "后续申报年度", "后续卷宗编号", "后续申报单位", "后续卷宗材料页", "疑点说明", "拟处理"]
ACTION = "核实原申报材料是否虚假；如经核实，依第十五条第（一）项取消其资格、收回牌匾、停止发放建设扶持经费，情节严重的追回已发放经费"


def _page(file, page) -> str:
    return f"{file}第{page}页" if file else "（登记表，无页面）"


def action_table(items) -> pd.DataFrame:
    rows = [{
        "已认定工作站": it.station_unit or "", "统一社会信用代码": it.station_uscc or "", "认定年度": it.station_year,
        "原卷宗编号": it.station_dossier, "原卷宗材料页": _page(it.station_file, it.station_page),
        "疑点": FLAG.get(it.code, it.code) if isinstance(FLAG.get(it.code, it.code), str) else it.code,
        "严重程度": SEVERITY.get(it.severity, it.severity), "后续申报年度": it.later_year,
        "后续卷宗编号": it.later_dossier, "后续申报单位": it.later_unit or "",
        "后续卷宗材料页": _page(it.later_file, it.later_page), "疑点说明": it.finding, "拟处理": ACTION,
    } for it in items]
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.sort_values(["认定年度", "已认定工作站", "后续申报年度", "后续卷宗编号"], kind="stable").reset_index(drop=True)


def write_actions(items, path: Path) -> pd.DataFrame:
    from openpyxl import Workbook

    from reports.xlsx_style import ITEM, KIND_COLUMN, REVIEWER_COLUMNS, add_row, finish_sheet, write_header

    df = action_table(items)
    wb = Workbook()
    ws = wb.active
    ws.title = "第十五条处理清单"
    write_header(ws, COLUMNS + list(REVIEWER_COLUMNS) + [KIND_COLUMN])
    for rec in df.itertuples(index=False):
        add_row(ws, [*rec, *([""] * len(REVIEWER_COLUMNS)), ITEM])
    finish_sheet(ws, hide_keys=False, hidden=(KIND_COLUMN,), caps={"疑点说明": 48, "拟处理": 30, "已认定工作站": 18, "后续申报单位": 18})
    ws.oddHeader.center.text = "已认定技师工作站 第十五条第（一）项核查清单"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return df
