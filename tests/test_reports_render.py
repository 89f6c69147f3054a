"""The outputs as a reviewer sees them: the worksheet printed by LibreOffice (A4 landscape,
Chinese text present) and the review page rendered by Chromium (boxes where the fields are)."""
from __future__ import annotations

import re
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


def pdf_raw_text(pdf: Path) -> str:
    """The PDF's text in drawing order with all whitespace removed: LibreOffice draws a
    wrapped cell line after line, so a cell's text reads back whole, and text a too-short
    row cuts off is missing."""
    raw = subprocess.run([PDFTOTEXT, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(raw.split())


def pdf_pages(pdf: Path) -> list[dict]:
    """Per printed page: size in points, the sheet named in the page header, and the
    printed size of the table text (the repeated header's 结论, scaled by fit-to-width)."""
    import pdfplumber
    pages = []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            top = " ".join(w["text"] for w in page.extract_words() if w["bottom"] < 32)
            sizes = [c["size"] for c in page.chars if c["text"] in "结论" and c["top"] >= 32]
            pages.append({"size": (round(page.width), round(page.height)), "header": top,
                          "text_pt": min(sizes) if sizes else 0.0})
    return pages


needs_office = pytest.mark.skipif(not (SOFFICE and PDFTOTEXT),
                                  reason="LibreOffice (apt libreoffice-calc-nogui) or pdftotext (poppler-utils) not installed")


@needs_office
def test_worksheet_prints_a4_landscape_with_chinese(tmp_path):
    result, images, out = make_case(tmp_path)
    xlsx = out / "worksheet.xlsx"
    write_worksheet(result, images, xlsx, intake_date=date(2026, 9, 25))
    pdf = soffice_pdf(xlsx, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(l for l in info.splitlines() if l.startswith("Page size"))
    w, h = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
    assert (round(w), round(h)) == (842, 595)  # A4 landscape, in points
    text = pdf_raw_text(pdf)
    for phrase in ("设立申请表", "身份证号码校验不通过", "2026-10-12", "结论", "440608**********1X"):
        assert phrase in text, phrase
    pages = pdf_pages(pdf)
    # The key columns are hidden: the dossier id is printed only in each page's header.
    assert text.count("GM2026-001") == len(pages)
    assert all("GM2026-001" in p["header"] for p in pages)


def _big_case(tmp_path):
    """A dossier larger than either sample batch: eight members whose papers come from
    two files, long certificate numbers, a long seal finding and several flags."""
    result, images, out = make_case(tmp_path)
    levels = ("技师", "高级技师", "首席技师", "特级技师")
    names = ("欧阳振华", "司马云", "黄丽", "梁志强", "区嘉敏", "何永康", "冼卓华", "邓慧")
    members = []
    for i, name in enumerate(names):
        idn = f"44060819{80 + i}0101{i:03d}{i % 10}"
        src = {"file": "成员材料/成员汇编.pdf", "page": 2 + 3 * i, "bbox": [0.2, 0.3, 0.6, 0.34],
               "confidence": 0.9, "text": "", "engine": "tesseract"}
        cert = dict(src, file="成员材料/职业技能等级证书（扫描件）.pdf", page=1 + i)
        members.append({
            "name": name, "id_number": idn, "level": levels[i % 4],
            "certificate_number": f"S{44060800 + i}2023{i:02d}000123{i}X", "certificate_issue_date": "2023-06-30",
            "has_id_card": True, "has_certificate": True, "has_contract": True, "contract_end": f"{2027 + i % 3}-12-31",
            "provenance": {"name": [src], "id_number": [src], "level": [cert], "certificate_number": [cert],
                           "certificate_issue_date": [cert], "contract_end": [dict(src, page=4 + 3 * i)]}})
    result["members"] = members
    pages = "；".join(f"成员材料/成员汇编.pdf第{p}页缺公章和“与原件相符”字样" for p in range(2, 26))
    f_check = next(c for c in result["checks"] if c["rule"] == "ART5.F")
    f_check["detail"] = "第五条：复印件须注明与原件相符并加盖单位公章，以下页面不符合：" + pages + "。长说明结束"
    a41 = next(c for c in result["checks"] if c["rule"] == "ART4.1")
    a41["detail"] = "第四条第（一）项：" + "；".join(f"{n}的证书发证机关与证书编号前缀不一致，请核对原件" for n in names) + "。复核说明结束"
    result["flags"] = result["flags"] + [dict(result["flags"][0], subject=n) for n in names[:4]]
    return result, images, out


@needs_office
def test_every_sheet_prints_legibly_on_a4_landscape(tmp_path):
    """Fit-to-width must not shrink the text below 8 pt: the member table sits below the
    rule rows, not beside them, and long cells wrap into rows tall enough to show them."""
    result, images, out = _big_case(tmp_path)
    xlsx = out / "worksheet.xlsx"
    write_worksheet(result, images, xlsx, intake_date=date(2026, 9, 25))
    pdf = soffice_pdf(xlsx, tmp_path)
    pages = pdf_pages(pdf)
    assert all(p["size"] == (842, 595) for p in pages)  # A4 landscape on every page
    by_sheet: dict[str, list[dict]] = {}
    for p in pages:
        sheet = next(name for name in ("资格初审", "资格复核", "综合评议", "疑点", "期限") if name in p["header"])
        by_sheet.setdefault(sheet, []).append(p)
    assert list(by_sheet) == ["资格初审", "资格复核", "综合评议", "疑点", "期限"]
    for sheet, ps in by_sheet.items():
        assert min(p["text_pt"] for p in ps) >= 8.0, (sheet, [round(p["text_pt"], 2) for p in ps])
    assert len(by_sheet["资格复核"]) <= 2 and len(pages) <= 14
    text = pdf_raw_text(pdf)
    # Nothing cut off: the ends of the longest cells and every member's row are printed.
    for phrase in ("长说明结束", "复核说明结束", "欧阳振华", "邓慧", "S440608072023070001237X"):
        assert phrase in text, phrase
    from extractors.masking import mask_id
    for m in result["members"]:
        assert mask_id(m["id_number"]) in text and m["id_number"] not in text


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
    # Art. 5 order: the application form (申报材料.pdf p1), the report (p2), then the ID card.
    assert html.index('id="page-1"') < html.index('id="page-2"') < html.index('id="page-3"')
    assert re.search(r'id="page-1".*?来源：申报材料.pdf 第1页', html, re.S)
    assert re.search(r'id="page-3".*?来源：成员/张伟身份证.jpg 第1页', html, re.S)
    assert 'data-target="page-3"' in html and 'data-target="page-1"' in html
    for ids in re.findall(r'data-boxes="([^"]*)"', html):  # every jump target exists
        for bid in ids.split():
            assert f'id="{bid}"' in html
    assert "left:30.000%;top:30.000%;width:50.000%;height:4.000%" in html
