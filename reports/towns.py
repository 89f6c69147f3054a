"""The 镇（街道） an applicant's address lies in, from the list in reports/data/towns.yaml."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TOWNS_FILE = Path(__file__).with_name("data") / "towns.yaml"
UNKNOWN = "未识别"


@lru_cache(maxsize=1)
def _towns() -> dict[str, list[str]]:
    return (yaml.safe_load(TOWNS_FILE.read_text(encoding="utf-8")) or {}).get("towns") or {}


def town_of(address: str | None) -> str:
    """'佛山市高明区杨和镇…' -> '杨和镇'. The first name in the address wins (an address can
    also mention a road named after another town); 未识别 when none is named."""
    text = address or ""
    best: tuple[int, str] | None = None
    for town, names in _towns().items():
        hits = [text.find(n) for n in names if n in text]
        if hits and (best is None or min(hits) < best[0]):
            best = (min(hits), town)
    return best[1] if best else UNKNOWN
