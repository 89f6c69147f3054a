"""IMAGE_TAMPERED's forensic tests on scanned pages as rendered and as the scanner's own JPEG.

    python -m bench.paper_colour OUT_DIR [--grid]

OUT_DIR is a screened folder (its cached records give the value boxes). For every value box
on a scanned PDF page: the paper-colour distance (validators/forensics/ela.background_delta)
with the former estimator (median of the lightest 40 %) and the current one, on the 300 dpi
render and on the page's embedded JPEG decoded as it is (extractors/carriers/pdf_scan), plus
the ELA/noise test on the native pixels; the same on JPEG photo pages. --grid re-encodes
the clean pages at several JPEG qualities and chroma subsamplings, with and without a
planted patch (retyped value on paper 6 or 10 grey levels lighter).
"""
from __future__ import annotations

import argparse
import io
import pickle
import sys
from pathlib import Path

import numpy as np


def _former(px):
    lum = px.mean(axis=1)
    return np.median(px[lum >= np.percentile(lum, 60)], axis=0)


def _regions(arr, bbox, margin=1.0):
    h, w = arr.shape[:2]
    x0, y0, x1, y1 = int(bbox[0] * w), int(bbox[1] * h), int(bbox[2] * w), int(bbox[3] * h)
    if x1 - x0 < 8 or y1 - y0 < 4:
        return None
    pad = int((y1 - y0) * margin)
    X0, Y0, X1, Y1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    img = arr[Y0:Y1, X0:X1].astype(np.float32)
    ring = np.ones((Y1 - Y0, X1 - X0), bool)
    ring[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0] = False
    inner, outer = img[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0].reshape(-1, 3), img[ring]
    return (inner, outer) if len(outer) >= 50 else None


def deltas(arr, bbox) -> tuple[float, float] | None:
    from validators.forensics.ela import paper_colour

    r = _regions(arr, bbox)
    if r is None:
        return None
    return (float(np.linalg.norm(_former(r[0]) - _former(r[1]))),
            float(np.linalg.norm(paper_colour(r[0]) - paper_colour(r[1]))))


def value_boxes(record) -> dict:
    from validators.flags.documents import _FIELD_KEYS, value_box

    out: dict = {}
    for o in [record.applicant, record.bank_account, *record.members]:
        for k in _FIELD_KEYS:
            for p in o.provenance.get(k, []):
                if p.bbox:
                    out.setdefault((p.file, p.page), []).append(value_box(p))
    return out


def native_scan(source_path: str, page_no: int):
    import pikepdf
    import pypdfium2 as pdfium

    from extractors.carriers import pdf_scan

    doc, pike = pdfium.PdfDocument(source_path), pikepdf.open(source_path)
    try:
        return pdf_scan.embedded_scan(doc[page_no - 1], pike.pages[page_no - 1], 300)
    finally:
        pike.close()
        doc.close()


def _summary(label: str, values: list[tuple[float, float]]) -> None:
    if not values:
        return
    a, b = sorted(v[0] for v in values), sorted(v[1] for v in values)
    p99 = lambda v: v[min(len(v) - 1, int(len(v) * 0.99))]  # noqa: E731
    print(f"{label:44s} n={len(values):4d}  former max {a[-1]:5.1f} p99 {p99(a):5.1f}  current max {b[-1]:5.1f} p99 {p99(b):5.1f}"
          f"  min {b[0]:5.1f}")


def measure(out: Path, grid: bool) -> None:
    import tempfile

    from PIL import Image, ImageDraw, ImageFont

    from extractors.carriers.common import save_page
    from extractors.page_image import load_rgb_array
    from validators.forensics import ela

    rows: dict[str, list] = {}
    ela_hits = []
    scratch = Path(tempfile.mkdtemp(prefix="paper-colour-"))
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 30)
    for path in sorted((out / ".cache" / "records").glob("*.pkl")):
        with open(path, "rb") as fh:
            rec = pickle.load(fh)
        kinds = {f.file: f for f in rec.files}
        for (file, page_no), boxes in value_boxes(rec).items():
            page, f = rec.page(file, page_no), kinds.get(file)
            if page is None or f is None or not page.source_image or not page.image_path:
                continue
            rendered = np.array(load_rgb_array(page.image_path))
            if f.kind != "pdf":
                for b in boxes:
                    d = deltas(rendered, b)
                    if d:
                        rows.setdefault("JPEG photo pages", []).append(d)
                        if d[1] >= ela.BG_DELTA:
                            print(f"  photo box at or over the threshold: {rec.dossier_id} {file} p{page_no} {d[1]:.1f}")
                continue
            img = native_scan(f.source_path, page_no) if not page.rotation else None
            for b in boxes:
                d = deltas(rendered, b)
                if d:
                    rows.setdefault("scanned PDF, 300 dpi render", []).append(d)
            if img is None:
                continue
            nat = np.asarray(img)
            dest = scratch / f"{rec.dossier_id}_{len(ela_hits)}_{page_no}.rgb.lz4"
            save_page(img, dest)
            for s in ela._region_scores(str(dest), boxes):
                ela_hits.append(ela.suspicious(s))
            for b in boxes:
                d = deltas(nat, b)
                if d:
                    rows.setdefault("scanned PDF, native JPEG pixels", []).append(d)
                    if d[1] >= ela.BG_DELTA:
                        print(f"  native box at or over the threshold: {rec.dossier_id} {file} p{page_no} {d[1]:.1f}")
            if not grid:
                continue
            h, w = rendered.shape[:2]
            base = Image.fromarray(rendered).resize((w * 2 // 3, h * 2 // 3), Image.BOX)
            target = max(boxes, key=lambda b: b[2] - b[0])
            W, H = base.size
            x0, y0, x1, y1 = int(target[0] * W), int(target[1] * H), int(target[2] * W), int(target[3] * H)
            paper = np.median(np.asarray(base)[max(0, y0 - 30):y0, x0:x1].reshape(-1, 3), axis=0)
            for shift in (0, 6, 10):
                im = base.copy()
                if shift:
                    patch = Image.new("RGB", (x1 - x0, y1 - y0), tuple(int(min(255, v + shift)) for v in paper))
                    ImageDraw.Draw(patch).text((2, 0), "2019年6月28日", font=font, fill=(20, 20, 20))
                    im.paste(patch, (x0, y0))
                for mode, sub in (("grey", 0), ("RGB 4:4:4", 0), ("RGB 4:2:0", 2)):
                    src = im.convert("L") if mode == "grey" else im
                    for q in (35, 50, 68, 85, 95):
                        buf = io.BytesIO()
                        src.save(buf, "JPEG", quality=q, subsampling=sub)
                        arr = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
                        for b in ([target] if shift else boxes):
                            d = deltas(arr, b)
                            if d:
                                label = f"re-encoded {mode} q{q}" + (f", patch +{shift}" if shift else ", clean")
                                rows.setdefault(label, []).append(d)
    print(f"== paper-colour distance per value box (threshold {ela.BG_DELTA}, band {ela.PAPER_BAND})")
    for label in sorted(rows):
        _summary(label, rows[label])
    print(f"ELA/noise test on native scan pixels: {sum(ela_hits)} of {len(ela_hits)} value boxes suspicious")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--grid", action="store_true")
    a = ap.parse_args(argv)
    measure(Path(a.out), a.grid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
