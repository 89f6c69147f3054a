"""Which right-angle turn makes a page upright, judged from readings of it.

One rule for both engines: the page as it comes (0°) is always read first and is the
default; another turn is tried only when that reading is not clearly good, and wins only
when its reading is clearly better. Readings are lists of boxes
{text, conf (0..1), x0, y0, x1, y1} in pixels of the turned image, one per detected text
box before boxes are merged into rows (the merge would hide the boxes' shape).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[1] / "data" / "orientation.yaml"

# A box this much taller than wide holds text running vertically: PP-OCR's cropper turns
# such crops a quarter before recognition, so a sideways page (or an upright one turned
# the wrong way) still reads confidently from them. Their text is evidence that this turn
# is not the upright one, never for it.
TALL = 1.5
# A turn accepted at once: its confident, plausible text runs horizontally, and the line
# classifier does not call most of it upside down.
GOOD_MEAN = 0.90
GOOD_PLAUSIBLE = 0.80
MAX_TALL_SHARE = 0.20
MAX_FLIPPED_SHARE = 0.50
# A turn other than 0° must outscore the 0° reading by this factor: for text that reads
# the same either way (vertical columns, a lone symbol) the page stays as it came.
MARGIN = 1.25
# Below this mean confidence a turn's reading cannot win, however much it reads: PP-OCR
# reads a 180° turn of a script it does not know (Korean, Telugu) as confident-looking
# Chinese characters, but not this confident.
CREDIBLE_MEAN = 0.75
# Part of the OCR cache key: bump when a change here can change a page's chosen turn.
VERSION = 3


@lru_cache(maxsize=1)
def _plausible() -> re.Pattern:
    with open(DATA, encoding="utf-8") as fh:
        return re.compile(yaml.safe_load(fh)["plausible_chars"])


def _tall(b: dict) -> bool:
    return (b["y1"] - b["y0"]) > TALL * max(1e-6, b["x1"] - b["x0"])


def summary(boxes: list[dict]) -> dict:
    """chars (non-space, horizontal boxes), mean confidence over them, share of plausible
    characters, share of all text found in tall boxes, and the score a turn is compared by."""
    chars = plaus = tall = 0
    conf_sum = score = 0.0
    for b in boxes:
        text = "".join(b["text"].split())
        if not text:
            continue
        if _tall(b):
            tall += len(text)
            continue
        n_plaus = len(_plausible().findall(text))
        chars += len(text)
        plaus += n_plaus
        conf_sum += b["conf"] * len(text)
        # Squared confidence: a turned page's misreadings still score well above zero
        # a character, and counting them linearly lets their number outweigh the few
        # confident lines of the upright reading.
        score += b["conf"] ** 2 * n_plaus
    total = chars + tall
    return {"chars": chars, "mean": conf_sum / chars if chars else 0.0,
            "plausible": plaus / chars if chars else 0.0,
            "tall_share": tall / total if total else 0.0, "score": score}


def clearly_good(s: dict, flipped_share: float = 0.0, good_mean: float = GOOD_MEAN) -> bool:
    """`good_mean` is the engine's: Tesseract's confidences run lower than PP-OCR's."""
    return (s["chars"] > 0 and s["mean"] >= good_mean and s["plausible"] >= GOOD_PLAUSIBLE
            and s["tall_share"] <= MAX_TALL_SHARE and flipped_share <= MAX_FLIPPED_SHARE)


def turns_to_try(s: dict, looks_sideways: bool, flipped_share: float = 0.0) -> list[int]:
    """Turns worth reading after an unconvincing 0° reading, likeliest first.

    Text the line classifier calls upside down asks for 180° only; mostly tall boxes (or
    the ink's profile) say the page lies on its side; otherwise the page is upside down
    or simply poor, and only 180° can help."""
    if flipped_share > MAX_FLIPPED_SHARE:
        return [180]
    if s["tall_share"] > 0.5:
        return [90, 270]
    if not s["chars"]:
        # Nothing read: PP-OCR's detector can miss a lone upside-down line entirely, and
        # a quarter turn of it reads a character or two, so 180° goes first.
        return [180, 90, 270] if looks_sideways else [180]
    if looks_sideways:
        return [90, 270, 180]
    return [180]


def credible(s: dict, good_mean: float = CREDIBLE_MEAN) -> bool:
    """A reading a turn may win with: confident, plausible text that the line classifier
    (when asked: key "flipped") does not call upside down. Text the engine cannot read
    (another script, noise) reads as low-confidence garbage in every turn, and the page
    then stays as it came."""
    return (s["chars"] > 0 and s["mean"] >= good_mean and s["plausible"] >= GOOD_PLAUSIBLE
            and s.get("flipped", 0.0) <= MAX_FLIPPED_SHARE)


def better(candidate: dict, best: dict, upright: dict, good_mean: float = CREDIBLE_MEAN) -> bool:
    """Whether the reading `candidate` of a non-zero turn replaces `best`, given the 0°
    reading `upright` (all three from `summary`)."""
    return credible(candidate, good_mean) and candidate["score"] > max(best["score"], MARGIN * upright["score"])
