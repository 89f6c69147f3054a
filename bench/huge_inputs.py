"""What reading a huge file costs: peak memory and seconds.

    python -m bench.huge_inputs [--pdf-pages 2000,500] [--tiff-pages 500] [--dpi 150] [--json]

Generates, in a temporary folder, text-layer PDFs of the given page counts (one A4 page
repeated) and a multi-page TIFF (A4 at 100 dpi), then reads each file with
`extractors.ingest.read_file` in a fresh process and prints that process's peak resident
memory (ru_maxrss, the interpreter and libraries included) and wall seconds, beside the
peak of a process that only imported the readers. A file over the page limit
(extractors/carriers/common.py MAX_PAGES) is refused without rendering; the others are
rendered page by page, so memory should not grow with the page count.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _make_pdf(path: Path, pages: int) -> Path:
    import pikepdf
    from fpdf import FPDF

    one = path.with_suffix(".one.pdf")
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("wqy", "", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", collection_font_number=0)
    pdf.set_font("wqy", size=12)
    for i in range(40):
        pdf.text(15, 15 + 6.5 * i, f"第{i + 1}行 技师工作站申报材料 统一社会信用代码 91440608MA4UABCD1L 页面文字层")
    pdf.output(str(one))
    with pikepdf.open(one) as src, pikepdf.new() as out:
        for _ in range(pages):
            out.pages.append(src.pages[0])
        out.save(path)
    one.unlink()
    return path


def _make_tiff(path: Path, pages: int) -> Path:
    from PIL import Image, ImageDraw

    img = Image.new("L", (827, 1169), 255)  # A4 at 100 dpi
    d = ImageDraw.Draw(img)
    for i in range(30):
        d.text((40, 40 + 35 * i), f"line {i} scanned page text", fill=0)
    # The same frame object repeated: generating does not hold 500 images.
    img.save(path, format="TIFF", save_all=True, append_images=[img] * (pages - 1), compression="tiff_lzw")
    return path


def _read(args: tuple[str, str, int], queue) -> None:
    path, work, dpi = args
    from extractors.ingest import read_file

    base = _peak_mb()
    t0 = time.perf_counter()
    reading = read_file(Path(path).name, Path(path), Path(work), dpi=dpi)
    queue.put({"file": Path(path).name, "pages_read": len(reading.pages), "error": reading.error,
               "seconds": round(time.perf_counter() - t0, 1), "peak_mb": round(_peak_mb(), 1),
               "peak_before_mb": round(base, 1)})


def _idle(queue) -> None:
    import extractors.ingest  # noqa: F401 - the readers' own footprint

    queue.put({"file": "(imports only)", "peak_mb": round(_peak_mb(), 1)})


def _in_child(target, *args) -> dict:
    ctx = mp.get_context("spawn")  # a fresh interpreter: its peak is this file's alone
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf-pages", default="2000,500")
    ap.add_argument("--tiff-pages", default="500")
    ap.add_argument("--dpi", type=int, default=150)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    rows = [_in_child(_idle)]
    with tempfile.TemporaryDirectory(prefix="huge_inputs_") as tmp:
        tmp_path = Path(tmp)
        files = []
        for n in [int(v) for v in a.pdf_pages.split(",") if v]:
            files.append(_make_pdf(tmp_path / f"pdf_{n}_pages.pdf", n))
        for n in [int(v) for v in a.tiff_pages.split(",") if v]:
            files.append(_make_tiff(tmp_path / f"tiff_{n}_pages.tif", n))
        for f in files:
            rows.append(_in_child(_read, (str(f), str(tmp_path / "work" / f.stem), a.dpi)))
            rows[-1]["size_mb"] = round(f.stat().st_size / 2**20, 1)
    if a.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"== huge inputs, read at {a.dpi} dpi (peak RSS of a fresh process per file)")
    print(f"{'file':24s} {'MB':>6s} {'pages':>6s} {'seconds':>8s} {'peak MB':>8s}  note")
    for r in rows:
        note = (r.get("error") or "")[:40]
        print(f"{r['file']:24s} {r.get('size_mb', ''):>6} {r.get('pages_read', ''):>6} {r.get('seconds', ''):>8} "
              f"{r['peak_mb']:8.1f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
