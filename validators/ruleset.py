"""Rule sets as data: `validators/rulesets/*.yaml`, one file per version of the measures.

`load_ruleset(as_of)` picks the rule set in force on the as-of date. When none is in force
(the measures lapsed, or the date is before they took effect) the nearest one is still
applied and `RuleSet.status(as_of)` says so; ART17 reports it as needs_review.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RULESET_DIR = Path(__file__).resolve().parent / "rulesets"


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    working_days: int


@dataclass
class RuleSet:
    name: str
    title: str
    published: dt.date
    effective_from: dt.date
    valid_until: dt.date
    region_codes: list[str]
    region_names: list[str]
    qualifying_levels: list[str]
    min_members: int
    materials: dict[str, list[str]]
    report_sections: dict[str, dict[str, Any]]  # key -> {title, variants}
    copy_types: list[str]
    stages: list[Stage]
    programmes: list[str]
    recommendation: list[dict[str, Any]]
    source: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def status(self, as_of: dt.date) -> str:
        """in_force | not_yet | lapsed"""
        if as_of < self.effective_from:
            return "not_yet"
        if as_of > self.valid_until:
            return "lapsed"
        return "in_force"


def _date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def parse_ruleset(data: dict[str, Any], source: str = "") -> RuleSet:
    published = _date(data["published"])
    if "effective_from" in data:
        effective = _date(data["effective_from"])
    else:
        effective = published + dt.timedelta(days=int(data.get("effective_after_days", 0)))
    return RuleSet(
        name=data["name"],
        title=data.get("title", data["name"]),
        published=published,
        effective_from=effective,
        valid_until=_date(data["valid_until"]),
        region_codes=[str(c) for c in data["region"]["codes"]],
        region_names=list(data["region"]["names"]),
        qualifying_levels=list(data["members"]["qualifying_levels"]),
        min_members=int(data["members"]["min_count"]),
        materials={k: list(v) for k, v in data["materials"].items()},
        report_sections=dict(data["report_sections"]),
        copy_types=list(data["copy_types"]),
        stages=[Stage(s["key"], s["title"], int(s["working_days"])) for s in data["stages"]],
        programmes=list(data["programmes"]),
        recommendation=list(data["recommendation"]),
        source=source,
        raw=data,
    )


def available(directory: Path = RULESET_DIR) -> list[RuleSet]:
    return sorted(
        (parse_ruleset(yaml.safe_load(p.read_text(encoding="utf-8")), str(p)) for p in directory.glob("*.yaml")),
        key=lambda r: r.effective_from,
    )


def load_ruleset(as_of: dt.date, name: str | None = None, directory: Path = RULESET_DIR) -> RuleSet:
    """The named rule set, or the one in force on `as_of`; if none is in force, the latest
    that took effect before `as_of` (lapsed), else the earliest (not yet in force)."""
    sets = available(directory)
    if not sets:
        raise FileNotFoundError(f"no rule set in {directory}")
    if name:
        for rs in sets:
            if rs.name == name:
                return rs
        raise KeyError(f"未知规则集：{name}")
    in_force = [rs for rs in sets if rs.status(as_of) == "in_force"]
    if in_force:
        return in_force[-1]
    earlier = [rs for rs in sets if rs.effective_from <= as_of]
    return earlier[-1] if earlier else sets[0]
