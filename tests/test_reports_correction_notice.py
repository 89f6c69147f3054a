"""The 一次性告知书: written only for request_correction, one row per missing or defective
material with reason and article, the correction period left blank, printable on A4."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document

from reports.correction_notice import correction_items, write_correction_notice
from tests.test_reports_common import make_case


def _case(tmp_path, **checks):
    result = make_case(tmp_path)[0]
    result["recommendation"] = "request_correction"
    for c in result["checks"]:
        if c["rule"] in checks:
            c["status"], c["detail"] = "fail", checks[c["rule"]]
    return result


def test_every_problem_a_failed_check_names_is_one_row(tmp_path):
    result = _case(tmp_path, **{
        "ART5.1": "第五条第（一）项：未找到佛山市高明区技师工作站设立申请表（附件1）",
        "ART5.3": "第五条第（三）项：成员陈芳缺身份证；成员王强缺劳动合同",
        "ART5.F": "第五条：复印件须注明与原件相符并加盖单位公章，以下页面不符合：a.pdf第2页缺公章；"
                  "b.jpg第1页缺公章和“与原件相符”字样；另有2页无法判断",
    })
    items = correction_items(result)
    reasons = [i["reason"] for i in items]
    assert "未找到佛山市高明区技师工作站设立申请表（附件1）" in reasons
    assert "成员陈芳缺身份证" in reasons and "成员王强缺劳动合同" in reasons
    assert "a.pdf第2页缺公章" in reasons and "b.jpg第1页缺公章和“与原件相符”字样" in reasons
    assert not any(r.startswith("另有") for r in reasons)  # for the clerk, not the applicant
    arts = {i["reason"]: i["article"] for i in items}
    assert arts["成员陈芳缺身份证"] == "第五条第（三）项"
    assert any("旧文件.wps" in i["material"] for i in items)  # an unreadable file is asked again
    # ART4.1 (eligibility) fails in the case too: not something a correction can supply
    assert not any(i["article"].startswith("第四条第（一）项") for i in items)


def test_only_for_request_correction_and_period_left_blank(tmp_path):
    result = _case(tmp_path, **{"ART5.2": "第五条第（二）项：申请报告缺少以下内容：资金投入"})
    path = tmp_path / "n.docx"
    assert write_correction_notice(dict(result, recommendation="proceed"), path) is False and not path.exists()
    assert write_correction_notice(result, path, intake_date=date(2026, 5, 18))
    doc = Document(path)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "佛山市高明区明工机械有限公司：" in text and "2026年5月18日" in text
    assert "请于______年____月____日前" in text  # the measures set no period: never invented
    assert "荷城街道公共服务办（盖章）" in text and "经办人" in text and "签收" in text
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows[0] == ["序号", "需补正的材料", "补正原因", "依据条款"]
    assert ["1", "申请报告", "申请报告缺少以下内容：资金投入", "第五条第（二）项"] in rows
    sec = doc.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_notice_prints_on_a4_through_libreoffice(tmp_path):
    result = _case(tmp_path, **{"ART5.3": "第五条第（三）项：成员陈芳缺身份证"})
    path = tmp_path / "补正告知书.docx"
    write_correction_notice(result, path)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", str(tmp_path / "补正告知书.pdf")], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "(A4)" in info
