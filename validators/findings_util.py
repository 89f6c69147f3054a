"""Small helpers shared by checks and flags: flag construction from data, provenance picks."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from extractors.masking import mask_id
from extractors.records import Provenance
from validators.findings import Flag

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=None)
def data(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


# On an application, false or untrue materials fall under the last paragraph of 第五条;
# 第十五条第（一）项 revokes a recognition already granted (CONTRACT.md).
ART5X = "第五条（申报材料弄虚作假或不实）"


def make_flag(code: str, subject: str, detail: str, evidence: Iterable[Provenance] = (),
              severity: str | None = None, proof: Iterable[str] = ()) -> Flag:
    spec = data("flags.yaml")[code]
    if spec["rule"] == "ART5.X":
        detail = ART5X + "：" + detail.removeprefix("第十五条第（一）项：")
    return Flag(code=code, rule=spec["rule"], severity=severity or spec["severity"], subject=subject,
                detail=detail, evidence=list(evidence), proof=list(proof))


def where(p: Provenance) -> str:
    return f"{p.file}第{p.page}页"


def person_label(name: str | None, id_number: str | None) -> str:
    """Subject text for a person: name plus masked ID number."""
    parts = [x for x in (name, mask_id(id_number) if id_number else None) if x]
    return "（".join(parts) + ("）" if len(parts) == 2 else "") if parts else "未识别姓名的成员"
