"""RapidOCR (PP-OCRv4 det + rec, ONNX models shipped inside the wheel): the default engine.

It reads degraded photos, red-sealed text and names better than Tesseract
(bench/ocr_quality.py), and Tesseract, as the cross-check, gives an independent opinion on
critical fields. Engines are lent, one call at a time, from a pool kept for the process:
loading the three models is slow, and the RapidOCR object keeps per-call state, so two
calls never share one. `warm` fills the pool ahead of the first page.
"""
from __future__ import annotations

import os
import threading
import time
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version as pkg_version

import cv2
import numpy as np

from extractors.ocr import orientation, preprocess as pp
from extractors.ocr.engine import clamp_bbox
from extractors.ocr.tesseract import OcrTimeout
from extractors.records import TextLine
from extractors.textclean import clean_line

# Threads per ONNX session: the flow already runs one page per core.
THREADS = int(os.environ.get("DOSSIER_OCR_THREADS", "1"))
_pool: list = []  # engines not lent out
_pool_lock = threading.Lock()


@lru_cache(maxsize=1)
def version() -> str:
    try:
        return pkg_version("rapidocr-onnxruntime")
    except PackageNotFoundError:
        return "unknown"


# Pages are detected at DET_SIDE px and recognised from crops of the REC_SIDE px image.
# Detection dominates the cost and scales with area (measured on ID-card/certificate
# pages, one thread: 2.4 s at 2000 px, 0.7 s at 1280 px), while the recogniser normalises
# every crop to 48 px high, so its cost does not depend on the source resolution but
# its accuracy does.
DET_SIDE = int(os.environ.get("DOSSIER_RAPID_DET_SIDE", "1280"))
REC_SIDE = 2000
# The detector's box score threshold (library default 0.5): at DET_SIDE a lone character
# such as the 男 after 性别 scores below 0.5 and is dropped. Measured on the degraded pages
# of both generated batches (bench/ocr_quality.py --page-conditions degraded_scan): field
# CER 0.039 -> 0.013 (sample) and 0.0085 -> 0.010 (variant b) at 1280 px; identifiers 100 %
# either way. Detection at 2000 px reads 0.003 / 0.0085 at about 1.8x the time per page.
BOX_THRESH = float(os.environ.get("DOSSIER_RAPID_BOX_THRESH", "0.3"))


# Lines recognised per recogniser call (library default 6). A batch is padded to its
# widest line, and PP-OCRv4's recogniser costs more than linearly in width, so one line a
# call is the fastest: measured on 351 lines of 21 sample pages, one thread, 1.65 s/page
# at 6, 0.91 at 1, 2.49 at 12. Field accuracy on all three generated batches is unchanged
# (bench/ocr_quality.py); the readings differ only in bracket width and a space after
# a colon, which clean_line evens out.
REC_BATCH = int(os.environ.get("DOSSIER_RAPID_REC_BATCH", "1"))
# Blank margin added to the right of each line, as a fraction of its height. Alone in its
# batch a line has no padding after its last character, which then misreads more often:
# on fax-like synthetic pages (seeds 100-105) the credit code's last characters read
# Q->0 and M->4; identifiers 22/24 without, 23/24 with; page CER on text-layer pages
# 0.0116 -> 0.0112 (sample), 0.0131 -> 0.0125 (batch c); fields unchanged.
REC_PAD = float(os.environ.get("DOSSIER_RAPID_REC_PAD", "0.5"))


def _pad_right(crop: np.ndarray) -> np.ndarray:
    if REC_PAD <= 0:
        return crop
    # Filled with the line's paper colour, not by repeating its last column: a stroke
    # touching the edge would be smeared into a bar.
    paper = [int(np.percentile(crop[:, :, i], 90)) for i in range(crop.shape[2])] if crop.ndim == 3 else int(np.percentile(crop, 90))
    return cv2.copyMakeBorder(crop, 0, 0, 0, max(1, int(REC_PAD * crop.shape[0])), cv2.BORDER_CONSTANT, value=paper)


# ONNX Runtime's memory arena, which RapidOCR turns off: with it the same 351 lines took
# 0.85 s/page instead of 0.91 (the output is identical); whole pages (detection too) 1.69
# instead of 2.17 s, at 846 instead of 674 MB peak for one thread (16 sample pages).
ARENA = os.environ.get("DOSSIER_RAPID_ARENA", "1") == "1"


def _use_arena(wrapper) -> None:
    """Replace RapidOCR's session with one that keeps ONNX Runtime's CPU memory arena."""
    import onnxruntime as ort

    old = wrapper.session
    so = ort.SessionOptions()
    so.log_severity_level = 4
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = THREADS
    so.inter_op_num_threads = 1
    so.enable_cpu_mem_arena = True
    wrapper.session = ort.InferenceSession(old._model_path, sess_options=so,
                                           providers=["CPUExecutionProvider"])


def settings() -> dict:
    # Anything that changes the output; bump "pipeline" when the code below changes it.
    return {"max_side": REC_SIDE, "merge_rows": True, "det_side": DET_SIDE, "box_thresh": BOX_THRESH,
            "seal": "red-channel-if-red-ink", "rec_batch": REC_BATCH, "rec_pad": REC_PAD,
            "turns": orientation.VERSION, "pipeline": 9}


def _new_engine():
    from rapidocr_onnxruntime import RapidOCR

    # det_limit_type "max": the default ("min", 736) upscales a 1100x110 field crop
    # to 7600 px wide before detection — 9.5 s instead of 0.45 s for one line.
    eng = RapidOCR(intra_op_num_threads=THREADS, inter_op_num_threads=1,
                   det_limit_type="max", det_limit_side_len=2000)
    eng.text_det.postprocess_op.box_thresh = BOX_THRESH
    eng.text_rec.rec_batch_num = REC_BATCH
    if ARENA:
        for part in (eng.text_det, eng.text_rec, eng.text_cls):
            _use_arena(getattr(part, "infer", None) or part.session)
    return eng


def get_engine():
    """An engine for one call, lent from the pool (made if none is free); give it back with
    `_give_back` when the call is over."""
    with _pool_lock:
        if _pool:
            return _pool.pop()
    return _new_engine()


def _give_back(eng) -> None:
    with _pool_lock:
        _pool.append(eng)


def warm(count: int) -> None:
    """Make engines until `count` are free: the models load on an idle core (while Prefect's
    server boots) instead of at the first pages, one per OCR thread. Engines lent meanwhile
    are not replaced: at most `count` are made."""
    with _pool_lock:
        missing = count - len(_pool)
    for _ in range(missing):
        _give_back(_new_engine())


def detect(img: np.ndarray, deadline: float | None = None,
           use_cls: bool = False) -> list[tuple[list, str, float]]:
    """One engine call, cut off at `deadline` (time.monotonic) with OcrTimeout.

    ONNX Runtime cannot be interrupted from Python, so the call runs in a daemon thread
    and the caller stops waiting at the deadline (a pathological image must not stall a
    batch). The stalled call runs on to completion in the background and its engine is
    discarded. Measured overhead: ~0.1 ms per call (one thread start).
    """
    def call(eng) -> list[tuple[list, str, float]]:
        result = eng(img, use_cls=use_cls)[0]
        return [(b, text, float(score)) for b, text, score in (result or [])]

    return _in_thread(call, deadline)


def _in_thread(call, deadline: float | None):
    """call(engine), given up at `deadline` (see `detect`). The engine goes back to the pool
    when the call ends, unless the call was given up: it still runs inside that engine."""
    eng = get_engine()
    if deadline is None:
        try:
            return call(eng)
        finally:
            _give_back(eng)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        _give_back(eng)
        raise OcrTimeout()
    box: dict = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["result"] = call(eng)
        except BaseException as e:  # handed to the caller, which decides
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=work, name="rapidocr-call", daemon=True).start()
    if not done.wait(remaining):
        raise OcrTimeout()  # the engine is not given back: the abandoned call still runs in it
    _give_back(eng)
    if "error" in box:
        raise box["error"]
    return box["result"]


def detect_page(img: np.ndarray, deadline: float) -> list[tuple[list, str, float]]:
    """Like `detect`, but text is found on a copy scaled to DET_SIDE and read from `img`."""
    h, w = img.shape[:2]
    f = min(1.0, DET_SIDE / max(h, w))
    if f >= 1.0:
        return detect(img, deadline)
    small = cv2.resize(img, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    return _in_thread(lambda eng: _det_then_rec(eng, small, img, f), deadline)


def _det_then_rec(eng, small: np.ndarray, full: np.ndarray, f: float) -> list[tuple[list, str, float]]:
    boxes, _ = eng.text_det(small)
    if boxes is None or len(boxes) == 0:
        return []
    boxes = [np.asarray(b, dtype=np.float32) / f for b in eng.sorted_boxes(boxes)]
    crops = [_pad_right(c) for c in eng.get_crop_img_list(full, boxes)]
    rec, _ = eng.text_rec(crops)
    return [(b.tolist(), r[0], float(r[1])) for b, r in zip(boxes, rec) if float(r[1]) >= eng.text_score]


def merge_rows(items: list[tuple[list, str, float]]) -> list[dict]:
    """Detection boxes on one visual line joined left to right, like Tesseract's lines.

    PP-OCR cuts "姓名" and "张三" into two boxes when the gap is wide; field patterns
    expect label and value on one line.
    """
    boxes = []
    for box, text, score in items:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        boxes.append({"x0": min(xs), "y0": min(ys), "x1": max(xs), "y1": max(ys),
                      "text": text, "conf": score})
    boxes.sort(key=lambda b: (b["y0"] + b["y1"]) / 2)
    rows: list[list[dict]] = []
    for b in boxes:
        mid = (b["y0"] + b["y1"]) / 2
        for row in rows:
            top = np.mean([x["y0"] for x in row])
            bottom = np.mean([x["y1"] for x in row])
            h = bottom - top
            if top + 0.2 * h <= mid <= bottom - 0.2 * h:
                row.append(b)
                break
        else:
            rows.append([b])
    lines = []
    for row in rows:
        row.sort(key=lambda x: x["x0"])
        weights = [max(1, len(x["text"])) for x in row]
        lines.append({
            "text": " ".join(x["text"] for x in row),
            "x0": min(x["x0"] for x in row), "y0": min(x["y0"] for x in row),
            "x1": max(x["x1"] for x in row), "y1": max(x["y1"] for x in row),
            "conf": sum(x["conf"] * k for x, k in zip(row, weights)) / sum(weights),
        })
    lines.sort(key=lambda ln: (ln["y0"], ln["x0"]))
    return lines


def _boxes(items: list[tuple[list, str, float]]) -> list[dict]:
    out = []
    for box, text, score in items:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        out.append({"x0": min(xs), "y0": min(ys), "x1": max(xs), "y1": max(ys), "text": text, "conf": score})
    return out


def upside_down_share(img: np.ndarray, items: list[tuple[list, str, float]], deadline: float) -> float:
    """Share of the reading's text (horizontal boxes) that PP-OCR's line classifier calls
    upside down. A single line turned 180° can read as other, confident characters (a
    Chinese character upside down is often another one); the classifier still tells."""
    flat = [(b, t) for b, t, _ in items if t.strip() and not orientation._tall(_boxes([(b, t, 0.0)])[0])]
    if not flat:
        return 0.0

    def call(eng) -> list:
        crops = eng.get_crop_img_list(img, [np.asarray(b, dtype=np.float32) for b, _ in flat])
        return eng.text_cls(crops)[1]

    labels = _in_thread(call, deadline)
    weights = [len("".join(t.split())) for _, t in flat]
    flipped = sum(w for w, (label, sc) in zip(weights, labels) if "180" in label and sc >= CLS_SURE)
    return flipped / sum(weights)


# The classifier's own threshold for turning a line (RapidOCR's cls_thresh).
CLS_SURE = 0.9


def read_page(bgr: np.ndarray, deadline: float) -> tuple[list[TextLine], int, float]:
    """(lines as fractions of the upright image, clockwise rotation applied, skew=0)."""
    # Small images are not enlarged here, unlike for Tesseract: PP-OCR read small cards
    # and forms as well at their own size as enlarged, and detection costs grow with area.
    img, _ = pp.cap_size(bgr, 2000)  # RapidOCR scales to 2000 px itself; do it once here
    capped = img
    if pp.has_red_ink(img):
        # A seal over a line makes PP-OCR's detector drop the whole line (measured: the
        # 工作岗位 line under a 合同专用章). In the red channel the seal is a light grey
        # and black ink stays black. Kept grey, not binarised: Otsu turned the seal's
        # JPEG fringes into blotches over the strokes beneath (佛山市高明区华盛电气设备
        # read as 佛山市高明区华 / .1 有限公司). Degraded pages, field CER: sample
        # 0.013 -> 0, variant b 0.010 -> 0 (bench/ocr_quality.py). Photos without seals
        # keep their colour, which PP-OCR reads better.
        img = cv2.cvtColor(pp.red_channel(img), cv2.COLOR_GRAY2BGR)
    # Recognition runs without the line classifier: an upside-down page then reads as
    # low-score garbage, which is what tells 0 from 180; with it, each line would be
    # silently flipped instead. The classifier is asked only as a witness (see
    # upside_down_share). 0° is always read first and stays unless another turn reads
    # clearly better (orientation.py): a turn is never taken on its own confidence.
    readings: list[tuple[dict, int, list[tuple[list, str, float]], tuple[int, int]]] = []

    def read(rot: int) -> dict:
        turned = pp.rotate_right_angle(img, rot)
        try:
            items = detect_page(turned, deadline)
        except OcrTimeout as e:
            # Keep what an earlier orientation already read: the caller reports
            # ocr_timeout but the lines stay usable.
            e.partial = _finish(_best(readings)) if readings else None
            raise
        h, w = turned.shape[:2]
        s = orientation.summary(_boxes(items))
        readings.append((s, rot, items, (w, h)))
        return s

    upright = read(0)
    flipped = 0.0
    if orientation.clearly_good(upright):
        try:
            flipped = upside_down_share(img, readings[0][2], deadline)
        except OcrTimeout:
            return _finish(readings[0])
        if flipped <= orientation.MAX_FLIPPED_SHARE:
            return _finish(readings[0])
    # binarised only here: a page read clearly upright has returned above
    sideways = pp.looks_sideways(pp.binarize(pp.red_channel(capped)))
    for rot in orientation.turns_to_try(upright, sideways, flipped):
        if time.monotonic() >= deadline:
            break
        before = _best(readings)[0]
        s = read(rot)
        if not orientation.better(s, before, upright):
            continue
        try:
            # Asked only of a reading about to win: one more (small) model call.
            s["flipped"] = upside_down_share(pp.rotate_right_angle(img, rot), readings[-1][2], deadline)
        except OcrTimeout:
            s["flipped"] = 1.0  # unconfirmed: the turn does not win
            break
        if orientation.better(s, before, upright) and orientation.clearly_good(s, s["flipped"]):
            break
    return _finish(_best(readings))


def _best(readings: list) -> tuple:
    """The 0° reading unless a turn beats it (orientation.better)."""
    best = readings[0]
    for r in readings[1:]:
        if orientation.better(r[0], best[0], readings[0][0]):
            best = r
    return best


def _finish(best: tuple[dict, int, list[tuple[list, str, float]], tuple[int, int]]) -> tuple[list[TextLine], int, float]:
    _, rot, items, (w, h) = best
    lines = merge_rows(items)
    out = []
    for ln in lines:
        text = clean_line(ln["text"])
        if text:
            out.append(TextLine(text=text, bbox=clamp_bbox(ln["x0"], ln["y0"], ln["x1"], ln["y1"], w, h),
                                confidence=round(float(ln["conf"]), 4), engine="rapidocr"))
    return out, rot, 0.0


def read_crop(img: np.ndarray, timeout: float | None = None, use_cls: bool = True) -> list[dict]:
    """Lines of a small crop (pixel coordinates), line classifier on unless the caller knows
    the crop's text is upright.

    Raises OcrTimeout when `timeout` seconds pass first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    return merge_rows(detect(img, deadline, use_cls=use_cls))
