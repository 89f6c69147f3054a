"""Page image files in the work folder: PNG (as the readers wrote them before) against page
rasters (extractors/page_raster.py), on a screened folder's own pages.

    python -m bench.page_files OUT_DIR [--pages 40]

For each page image under OUT_DIR/.work: milliseconds to write and to read it both ways
(one core), and the bytes on disk. Every page is written once and read by OCR, the batch
index and judging, so a page's saving is about one write and three reads.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from extractors import page_raster
from extractors.page_image import _decode

# What extractors/carriers/common.py wrote before the rasters: zlib level 1, SUB filter.
PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_SUB]


def measure(pages: list[Path]) -> dict[str, float]:
    tot = {"png_write": 0.0, "png_read": 0.0, "png_bytes": 0, "raster_write": 0.0, "raster_read": 0.0, "raster_bytes": 0}
    with tempfile.TemporaryDirectory(prefix="page-files-") as tmp:
        for i, path in enumerate(pages):
            rgb = np.array(_decode(str(path)))
            png, raster = Path(tmp) / f"{i}.png", Path(tmp) / f"{i}{page_raster.SUFFIX}"
            t = time.perf_counter()
            ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), PNG_PARAMS)
            png.write_bytes(buf.tobytes())
            tot["png_write"] += time.perf_counter() - t
            t = time.perf_counter()
            back = cv2.cvtColor(cv2.imdecode(np.fromfile(png, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            tot["png_read"] += time.perf_counter() - t
            t = time.perf_counter()
            page_raster.write(raster, rgb)
            tot["raster_write"] += time.perf_counter() - t
            t = time.perf_counter()
            again = page_raster.read(raster)
            tot["raster_read"] += time.perf_counter() - t
            if not (np.array_equal(back, rgb) and np.array_equal(again, rgb)):
                raise SystemExit(f"pixels changed on {path}")
            tot["png_bytes"] += png.stat().st_size
            tot["raster_bytes"] += raster.stat().st_size
    return tot


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--pages", type=int, default=40)
    args = ap.parse_args(argv)
    work = Path(args.out_dir) / ".work"
    pages = sorted(p for p in work.rglob("*") if p.is_file() and (p.name.endswith(page_raster.SUFFIX) or p.suffix == ".png"))
    pages = pages[: args.pages]
    if not pages:
        raise SystemExit(f"no page images under {work}: screen a batch into {args.out_dir} first")
    tot = measure(pages)
    n = len(pages)
    print(f"== page image files, {n} pages of {work}, one core, per page")
    for kind in ("png", "raster"):
        print(f"{kind:7s} write {1000 * tot[kind + '_write'] / n:6.1f} ms   read {1000 * tot[kind + '_read'] / n:6.1f} ms   "
              f"{tot[kind + '_bytes'] / n / 2**20:6.2f} MB")
    saved = (tot["png_write"] - tot["raster_write"]) + 3 * (tot["png_read"] - tot["raster_read"])
    print(f"page_files: pages={n} saved_per_page_ms={1000 * saved / n:.1f} (one write and three reads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
