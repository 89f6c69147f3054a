"""第十七条: the rule set in force on the as-of date (ART17)."""
from __future__ import annotations

import datetime as dt

from validators.findings import Check
from validators.ruleset import RuleSet


def check_art17(rs: RuleSet, as_of: dt.date) -> Check:
    status = rs.status(as_of)
    span = f"{rs.effective_from}至{rs.valid_until}"
    if status == "in_force":
        return Check("ART17", "pass", f"第十七条：审查基准日{as_of}在《{rs.title}》有效期（{span}）内")
    if status == "lapsed":
        return Check("ART17", "needs_review",
                     f"第十七条：《{rs.title}》有效期至{rs.valid_until}，审查基准日{as_of}时已失效；未配置新的规则集，"
                     f"本次仍按已失效的规则集{rs.name}审查，请确认适用的现行办法")
    return Check("ART17", "needs_review",
                 f"第十七条：审查基准日{as_of}早于《{rs.title}》施行日期{rs.effective_from}，仍按规则集{rs.name}审查，请确认")
