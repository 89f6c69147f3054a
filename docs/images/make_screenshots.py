"""Regenerate the README screenshots: worksheet.png from the test fixture dossier
(LibreOffice -> PDF -> pdftoppm) and review.png from the review page test's fresh dossier
(D01's Word form and contract; headless Chromium).

    python docs/images/make_screenshots.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from reports.worksheet import write_worksheet  # noqa: E402
from tests.test_reports_common import make_case  # noqa: E402
from tests.test_reports_render import chromium_screenshot, pdf_pages, soffice_pdf  # noqa: E402
from tests.test_review_page import make_fresh_page  # noqa: E402

HERE = Path(__file__).parent


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="screens-"))
    result, images, out = make_case(tmp)
    write_worksheet(result, images, out / "worksheet.xlsx", intake_date=date(2026, 9, 25))
    pdf = soffice_pdf(out / "worksheet.xlsx", tmp)
    # The 疑点 sheet with its evidence pictures: the page whose header names it.
    page = next(i for i, p in enumerate(pdf_pages(pdf), start=1) if "疑点" in p["header"].split())
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(tmp / "ws")], check=True)
    shot = Image.open(tmp / "ws.png").convert("RGB")
    # Keep the printed table, not the empty rest of the A4 page.
    shot = shot.crop((0, int(shot.height * 0.05), shot.width, int(shot.height * 0.9)))  # drop page header, footer
    x0, y0, x1, y1 = ImageOps.invert(shot).getbbox()
    shot = shot.crop((max(0, x0 - 10), max(0, y0 - 10), x1 + 10, y1 + 10))
    shot.quantize(64).save(HERE / "worksheet.png", optimize=True)

    review = make_fresh_page(tmp / "fresh")[3]
    chromium_screenshot(review, tmp / "review.png", size=(1400, 900))
    Image.open(tmp / "review.png").convert("RGB").quantize(64).save(HERE / "review.png", optimize=True)
    for name in ("worksheet.png", "review.png"):
        print(name, (HERE / name).stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main()
