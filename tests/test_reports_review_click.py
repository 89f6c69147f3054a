"""The review page's findings list, used the way a reviewer uses it: headless Chromium clicks
each finding and we check which page the main pane then shows, which page is marked and
which boxes blink. The expected page is worked out here from the evidence records, not read
from the page's own links, so a link to the wrong page fails the test."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from reports.page_anchor import page_numbers
from reports.review_html import write_review
from tests.test_reports_common import make_case
from tests.test_reports_render import CHROMIUM, CHROMIUM_FLAGS

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="Chromium (apt chromium) not installed")

# After load: record what the page shows, then click every finding in turn and record
# what the click did. The result goes into a <pre> that --dump-dom prints.
PROBE = """<script>
window.addEventListener('load', function () {
  var main = document.getElementById('main'), out = {clicks: []};
  var items = Array.from(document.querySelectorAll('.finding[data-target]'));
  function ids(sel, f) { return Array.from(document.querySelectorAll(sel)).map(f); }
  function state() {
    var m = main.getBoundingClientRect(), cy = (m.top + m.bottom) / 2;
    return {
      shown: ids('.page', function (p) { var r = p.getBoundingClientRect();
                                         return r.top <= cy && r.bottom >= cy ? p.id : null; }).filter(Boolean),
      current: ids('.page.current', function (p) { return p.id; }),
      active: ids('.box.active', function (b) { return b.closest('.page').id; }),
      hash: location.hash, scroll: main.scrollTop};
  }
  setTimeout(function () {
    out.opened = state();
    (function step(i) {
      if (i >= items.length) {
        var pre = document.createElement('pre'); pre.id = 'probe';
        pre.textContent = JSON.stringify(out); document.body.appendChild(pre); return;
      }
      items[i].click();
      setTimeout(function () {
        var s = state(); s.title = items[i].querySelector('.t').textContent; out.clicks.push(s); step(i + 1);
      }, 300);
    })(0);
  }, 300);
});
</script>"""


def _probe(html: Path, hash_: str = "") -> dict:
    page = html.with_name("probe.html")
    page.write_text(html.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    try:
        # Reduced motion: the page scrolls at once instead of smoothly, and virtual time
        # lets the timers above run without real waiting.
        run = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900",
                              "--force-prefers-reduced-motion", "--virtual-time-budget=10000", "--dump-dom",
                              page.as_uri() + hash_], capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    m = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert m, run.stderr[-2000:]
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def _ev(file, page, bbox):
    return {"file": file, "page": page, "bbox": bbox, "confidence": 0.9, "text": "", "engine": "tesseract"}


@pytest.fixture
def three_pages(tmp_path):
    """Three tall pages, so the main pane shows one at a time; findings on the last, the
    first and (without a box) the middle one."""
    result, _, out = make_case(tmp_path)
    (out / "pages").mkdir(exist_ok=True)
    images = {}
    for i, key in enumerate([("申报材料.pdf", 1), ("申报材料.pdf", 2), ("成员/身份证.jpg", 1)], start=1):
        Image.new("RGB", (800, 1100), (255, 255, 255)).save(out / "pages" / f"{i:03d}.jpg")
        images[key] = f"pages/{i:03d}.jpg"
    f0, f1 = result["flags"][:2]
    result["flags"] = [dict(f0, evidence=[_ev("成员/身份证.jpg", 1, [0.3, 0.7, 0.6, 0.75])]),
                       dict(f1, evidence=[_ev("未导出.pdf", 1, [0.1, 0.1, 0.2, 0.2]),  # no image: skipped
                                          _ev("申报材料.pdf", 1, [0.1, 0.1, 0.4, 0.2])])]
    for c in result["checks"]:
        c["evidence"] = []
        if c["status"] in ("fail", "needs_review"):
            c["status"] = "pass"
    a42 = next(c for c in result["checks"] if c["rule"] == "ART4.2")
    a42.update(status="needs_review", evidence=[_ev("申报材料.pdf", 2, None)])
    for m in result["members"]:
        m["provenance"] = {}
    html = out / "review.html"
    write_review(result, images, html)
    return result, images, html


def _expected_pages(result, images) -> list[tuple[str, bool]]:
    """(page element id, has a box) for each clickable finding, in list order: flags, then
    failing or open checks; the page is that of the first evidence record on the review
    page, numbered as the worksheet numbers it (reports.page_anchor.page_numbers)."""
    numbers = page_numbers(result, images)
    findings = result["flags"] + [c for c in result["checks"] if c["status"] in ("fail", "needs_review")]
    expected = []
    for f in findings:
        rec = next((r for r in f.get("evidence") or [] if (r["file"], r["page"]) in numbers), None)
        if rec:
            boxed = bool(rec.get("bbox")) and (rec["file"], rec["page"]) in images
            expected.append((f"page-{numbers[(rec['file'], rec['page'])]}", boxed))
    return expected


def test_clicking_a_finding_shows_and_marks_its_page(three_pages):
    result, images, html = three_pages
    expected = _expected_pages(result, images)
    # Art. 5 order: the form (申报材料.pdf p1), the report (p2), the fixture's ID card page
    # without an image, then the unclassified scan the first flag points at.
    assert [e[0] for e in expected] == ["page-4", "page-1", "page-2"]
    got = _probe(html)
    assert got["opened"]["shown"] == ["page-1"] and got["opened"]["scroll"] == 0
    assert len(got["clicks"]) == len(expected)
    for click, (page, boxed) in zip(got["clicks"], expected):
        assert click["shown"] == [page], click
        assert click["current"] == [page], click
        assert click["hash"] == "#" + page, click
        if boxed:
            assert click["active"] and set(click["active"]) == {page}, click
        else:
            assert click["active"] == [], click
    assert got["clicks"][0]["scroll"] > 1000  # the last page is far down the pane


def test_opening_the_page_at_an_address_shows_that_page(three_pages):
    _, _, html = three_pages
    got = _probe(html, "#page-2")
    assert got["opened"]["shown"] == ["page-2"] and got["opened"]["current"] == ["page-2"]


def test_a_link_to_the_wrong_page_is_caught(three_pages):
    """The check above is not vacuous: point the first finding at the wrong page (as a bug
    in page numbering would) and the probe sees the wrong page marked and addressed."""
    result, images, html = three_pages
    text = html.read_text(encoding="utf-8")
    wrong = text.replace('data-target="page-4"', 'data-target="page-2"', 1)
    assert wrong != text
    html.write_text(wrong, encoding="utf-8")
    first = _probe(html)["clicks"][0]
    page, _ = _expected_pages(result, images)[0]
    assert first["current"] != [page] and first["hash"] != "#" + page
