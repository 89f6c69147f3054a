"""Tesseract through pytesseract: recognition into lines, and orientation (OSD).

Every call carries a time limit: a degraded page can keep Tesseract busy for minutes
(DESIGN.md), and one page must not stall a batch. OMP_THREAD_LIMIT=1 because the flow
already runs one Tesseract per core; OpenMP threads inside each only thrash.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
import pytesseract  # noqa: E402

from extractors.ocr import orientation, preprocess as pp  # noqa: E402
from extractors.ocr.engine import clamp_bbox  # noqa: E402
from extractors.records import TextLine  # noqa: E402
from extractors.textclean import clean_line  # noqa: E402

# chi_sim alone beats chi_sim+eng and HanS on these documents (bench/ocr_quality.py):
# the eng model adds Latin look-alikes for Han strokes, HanS is slower for no gain.
LANG = "chi_sim"
PSM = 3  # automatic layout: pages mix headings, tables and stamps
OEM = 1  # LSTM only


class OcrTimeout(Exception):
    pass


@lru_cache(maxsize=1)
def version() -> str:
    try:
        return str(pytesseract.get_tesseract_version())
    except Exception:
        return "unknown"


def available() -> bool:
    return version() != "unknown"


def _call(fn, *args, timeout: float, **kwargs):
    if timeout <= 0:
        raise OcrTimeout()
    try:
        return fn(*args, timeout=max(timeout, 0.001), **kwargs)
    except RuntimeError as e:
        if "timeout" in str(e).lower():
            raise OcrTimeout() from e
        raise


def recognize(img: np.ndarray, timeout: float, lang: str = LANG, psm: int = PSM) -> list[dict]:
    """Lines in pixel coordinates of `img`: {text, x0, y0, x1, y1, conf (0..1), words}."""
    data = _call(pytesseract.image_to_data, img, lang=lang, config=f"--oem {OEM} --psm {psm}",
                 output_type=pytesseract.Output.DICT, timeout=timeout)
    groups: dict[tuple, list[int]] = {}
    for i, word in enumerate(data["text"]):
        if not word or not word.strip():
            continue
        conf = float(data["conf"][i])
        if conf < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        groups.setdefault(key, []).append(i)
    lines = []
    for idx in groups.values():
        idx.sort(key=lambda i: data["left"][i])
        words = [data["text"][i].strip() for i in idx]
        confs = [float(data["conf"][i]) / 100.0 for i in idx]
        x0 = min(data["left"][i] for i in idx)
        y0 = min(data["top"][i] for i in idx)
        x1 = max(data["left"][i] + data["width"][i] for i in idx)
        y1 = max(data["top"][i] + data["height"][i] for i in idx)
        # Weight by length: one confident punctuation mark should not lift a bad line.
        weights = [max(1, len(w)) for w in words]
        conf = sum(c * k for c, k in zip(confs, weights)) / sum(weights)
        lines.append({"text": " ".join(words), "x0": x0, "y0": y0, "x1": x1, "y1": y1,
                      "conf": conf, "words": len(words)})
    lines.sort(key=lambda ln: (ln["y0"], ln["x0"]))
    return lines


_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_ORIENT_CONF = re.compile(r"Orientation confidence:\s*([\d.]+)")


def osd(img: np.ndarray, timeout: float) -> tuple[int, float] | None:
    """(clockwise degrees to turn upright, confidence) or None when OSD cannot tell."""
    try:
        out = _call(pytesseract.image_to_osd, img, config="--psm 0", timeout=timeout)
    except pytesseract.TesseractError:
        return None  # "Too few characters" on sparse pages
    r, c = _ROTATE.search(out), _ORIENT_CONF.search(out)
    if not r:
        return None
    return int(r.group(1)) % 360, float(c.group(1)) if c else 0.0


# --- one page -------------------------------------------------------------------------

GOOD_MEAN = 0.70  # mean confidence of an upright page; upside-down text scores ~0.2
CREDIBLE_MEAN = 0.60  # below this a turned reading is garbage (orientation.credible)
OSD_SIDE = 1800  # OSD is as sure at this size and ~0.5 s faster than at 300 dpi
OSD_MIN_CONF = 1.0


def settings() -> dict:
    # Anything that changes the output; bump "pipeline" when the code below changes it.
    return {"lang": LANG, "psm": PSM, "oem": OEM, "max_side": pp.MAX_SIDE,
            "prep": "red+flatten+median3-if-speckled+otsu+deskew", "turns": orientation.VERSION,
            "enlarge": pp.ENLARGE_SIDE, "credible": CREDIBLE_MEAN, "pipeline": 5}


def read_page(bgr: np.ndarray, deadline: float):
    """(lines as fractions of the upright image, clockwise rotation applied, skew degrees).

    Raises OcrTimeout with `.partial` set to the best reading so far, if any.
    """
    img, _ = pp.cap_size(bgr)
    img, _ = pp.enlarge_small(img)
    gray = pp.red_channel(img)
    paper = pp.paper_colour(gray)
    bw0 = pp.binarize(gray)

    def remaining() -> float:
        return deadline - time.monotonic()

    def read_at(rot: int):
        g = pp.rotate_right_angle(gray, rot)
        bw = pp.binarize(g) if rot else bw0
        skew = pp.estimate_skew(bw)
        m = None
        if skew:
            # Fill the corners with paper, not white: on a grey photocopy white corners
            # shift Otsu's threshold and draw false edges.
            g2, m = pp.rotate_small(g, skew, paper)
            bw = pp.binarize(g2)
        lines = recognize(bw, remaining())
        h, w = g.shape[:2]
        for ln in lines:
            box = (ln["x0"], ln["y0"], ln["x1"], ln["y1"])
            if m is not None:
                box = pp.unrotate_bbox(box, m)
            ln["bbox"] = clamp_bbox(*box, w, h)
        return {"rot": rot, "skew": skew, "lines": lines, "summary": orientation.summary(lines)}

    # 0° is always read first and stays unless another turn reads clearly better
    # (orientation.py): neither OSD nor a turn's own confidence is enough on its own.
    readings: list[dict] = []

    def best() -> dict:
        top = readings[0]
        for r in readings[1:]:
            if orientation.better(r["summary"], top["summary"], readings[0]["summary"], CREDIBLE_MEAN):
                top = r
        return top

    try:
        upright = read_at(0)
        readings.append(upright)
        s0 = upright["summary"]
        if orientation.clearly_good(s0, good_mean=GOOD_MEAN):
            return _to_lines(upright)
        o = osd(pp.cap_size(bw0, OSD_SIDE)[0], remaining())
        if o and o[1] >= OSD_MIN_CONF:
            turns = [o[0]] if o[0] else []
        else:
            turns = orientation.turns_to_try(s0, pp.looks_sideways(bw0))
        for rot in turns:
            alt = read_at(rot)
            readings.append(alt)
            if best() is alt and orientation.clearly_good(alt["summary"], good_mean=GOOD_MEAN):
                break
    except OcrTimeout as e:
        e.partial = _to_lines(best()) if readings else None
        raise
    return _to_lines(best())


def _to_lines(best: dict) -> tuple[list[TextLine], int, float]:
    out = []
    for ln in best["lines"]:
        text = clean_line(ln["text"])
        if text:
            out.append(TextLine(text=text, bbox=ln["bbox"], confidence=round(ln["conf"], 4),
                                engine="tesseract"))
    return out, best["rot"], best["skew"]


def read_crop(img: np.ndarray, timeout: float, psm: int = 6) -> list[dict]:
    """Lines of a small crop (pixel coordinates); psm 6 = one uniform block of text."""
    gray = pp.red_channel(img) if img.ndim == 3 else img
    return recognize(pp.binarize(gray), timeout, psm=psm)
