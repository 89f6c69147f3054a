"""Checks of a registry CSV before it goes into the store, on the table as a whole (rows the
line-by-line reader accepts may still contradict each other): the same recognition listed
twice, member ID numbers that fail GB 11643, one person listed under two units in a year.
Messages name the CSV lines; ID numbers appear masked."""
from __future__ import annotations

import pandas as pd

from extractors.masking import mask_id
from validators.identifiers import ric


def registry_frame(rows) -> pd.DataFrame:
    """One row per (registry row, member): line, unit, code, programme, year, member."""
    records = [{"line": r.line, "unit_name": r.unit_name, "uscc": r.uscc or "", "programme": r.programme,
                "year": r.year, "member": ric.compact(m) if m else ""}
               for r in rows for m in (r.member_id_numbers or [""])]
    return pd.DataFrame(records, columns=["line", "unit_name", "uscc", "programme", "year", "member"])


def check_registry(rows) -> list[str]:
    df = registry_frame(rows)
    if df.empty:
        return []
    notes = []
    units = df.drop_duplicates("line")
    for (_, programme, year), g in units.groupby(["unit_name", "programme", "year"]):
        if len(g) > 1:
            lines = "、".join(str(x) for x in sorted(g["line"]))
            notes.append(f"第{lines}行：{g['unit_name'].iloc[0]}的{year}年{programme}重复登记")
    members = df[df["member"] != ""]
    for rec in members[~members["member"].map(ric.is_valid)].itertuples():
        notes.append(f"第{rec.line}行：成员身份证号码{mask_id(rec.member)}不符合GB 11643校验规则")
    for (member, year), g in members.groupby(["member", "year"]):
        if g["unit_name"].nunique() > 1:
            lines = "、".join(str(x) for x in sorted(g["line"]))
            notes.append(f"第{lines}行：{mask_id(member)}在{year}年同时登记为{'、'.join(sorted(g['unit_name'].unique()))}的成员")
    return notes
