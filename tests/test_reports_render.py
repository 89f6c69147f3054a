"""The outputs as a reviewer sees them: the worksheet printed by LibreOffice (A4 landscape,
Chinese text present) and the review page rendered by Chromium (boxes where the fields are)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reports.review_html import render_review, write_review
from reports.worksheet import write_worksheet
from tests.test_reports_common import make_case

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
PDFTOTEXT = shutil.which("pdftotext")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def soffice_pdf(xlsx: Path, outdir: Path) -> Path:
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}",
                        "--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)],
                       check=True, capture_output=True, timeout=60)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return outdir / (xlsx.stem + ".pdf")


def chromium_screenshot(html: Path, png: Path, size=(1400, 1000)) -> None:
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    try:
        subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        f"--screenshot={png}", f"--window-size={size[0]},{size[1]}", html.as_uri()],
                       check=True, capture_output=True, timeout=60)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.skipif(not (SOFFICE and PDFTOTEXT),
                    reason="LibreOffice (apt libreoffice-calc-nogui) or pdftotext (poppler-utils) not installed")
def test_worksheet_prints_a4_landscape_with_chinese(tmp_path):
    result, images, out = make_case(tmp_path)
    xlsx = out / "worksheet.xlsx"
    write_worksheet(result, images, xlsx, intake_date=date(2026, 9, 25))
    pdf = soffice_pdf(xlsx, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(l for l in info.splitlines() if l.startswith("Page size"))
    w, h = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
    assert (round(w), round(h)) == (842, 595)  # A4 landscape, in points
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for phrase in ("设立申请表", "身份证号码校验不通过", "2026-10-12", "结论"):
        assert phrase in text, phrase
    assert "GM2026-001" not in text  # the key columns are hidden from the printout


def _green_extent(img: Image.Image) -> tuple[int, int, int, int]:
    """x0, y0, width, height of the pure-green page image inside the screenshot."""
    a = np.asarray(img).astype(int)
    mask = (a[..., 1] > 170) & (a[..., 0] < 60) & (a[..., 2] < 60)
    ys, xs = np.nonzero(mask)
    assert xs.size, "page image not found in the screenshot"
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def _any_near(px, x, y, match, r=6) -> bool:
    """Borders are 3 px wide, flag outlines sit 2 px outside the region, and rounding moves
    them by a pixel: look a few pixels around x."""
    return any(match(px[xx, y]) for xx in range(x - r, x + r + 1))


def _green(p):
    return p[1] > 170 and p[0] < 60 and p[2] < 60


def _blue(p):
    return p[2] > 150 and p[0] < 80 and p[1] < 140


def _red(p):
    return p[0] > 180 and p[1] < 60 and p[2] < 60


@pytest.mark.skipif(not CHROMIUM, reason="Chromium (apt chromium) not installed")
def test_review_page_draws_field_box_where_the_field_is(tmp_path):
    result, _, out = make_case(tmp_path)
    (out / "pages").mkdir(exist_ok=True)
    Image.new("RGB", (1000, 800), (0, 200, 0)).save(out / "pages" / "green.jpg", quality=95)
    images = {("成员/张伟身份证.jpg", 1): "pages/green.jpg"}
    # One field box (blue) and one flag box (red) on a plain green page.
    result["members"][0]["provenance"] = {"id_number": [dict(result["members"][0]["provenance"]["id_number"][0],
                                                             bbox=[0.2, 0.4, 0.6, 0.6])]}
    result["flags"] = [dict(result["flags"][0], evidence=[dict(result["flags"][0]["evidence"][0],
                                                              bbox=[0.7, 0.7, 0.9, 0.9])])]
    html = out / "review.html"
    write_review(result, images, html)
    png = tmp_path / "shot.png"
    chromium_screenshot(html, png, size=(1400, 1100))
    shot = Image.open(png).convert("RGB")
    x0, y0, W, H = _green_extent(shot)
    assert W > 500 and abs(H / W - 0.8) < 0.05  # the page image, at its aspect ratio
    px = shot.load()
    # Left border of the field box, halfway down it: blue.
    assert _any_near(px, x0 + round(0.2 * W), y0 + round(0.5 * H), _blue)
    assert not _any_near(px, x0 + round(0.1 * W), y0 + round(0.5 * H), _blue)  # not elsewhere
    assert not _any_near(px, x0 + round(0.5 * W), y0 + round(0.8 * H), _red)
    # Inside the box the page shows through: green.
    assert _green(px[x0 + int(0.4 * W), y0 + int(0.5 * H)])
    # Flag box: red border.
    assert _any_near(px, x0 + round(0.7 * W), y0 + round(0.8 * H), _red)
    assert _any_near(px, x0 + round(0.9 * W), y0 + round(0.8 * H), _red)


def test_review_page_is_offline_and_lists_findings(tmp_path):
    result, images, out = make_case(tmp_path)
    html = render_review(result, images)
    assert "http://" not in html and "https://" not in html  # no CDN: works offline
    assert 'src="pages/001.jpg"' in html
    assert html.count('class="box flag"') == 2 and 'class="box field"' in html
    assert "身份证号码校验不通过" in html and "不通过：第四条第（一）项" in html
    assert 'data-target="page-001"' in html
    import re
    for ids in re.findall(r'data-boxes="([^"]*)"', html):  # every jump target exists
        for bid in ids.split():
            assert f'id="{bid}"' in html
    assert "left:30.000%;top:30.000%;width:50.000%;height:4.000%" in html
