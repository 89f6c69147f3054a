import datetime as dt

import pytest

from validators.checks.validity import check_art17
from validators.registry import load_registry
from validators.ruleset import load_ruleset


def test_ruleset_values():
    rs = load_ruleset(dt.date(2026, 5, 20))
    assert rs.name == "gaoming-2021"
    assert rs.published == dt.date(2021, 12, 24)
    assert rs.effective_from == dt.date(2022, 1, 23)
    assert rs.valid_until == dt.date(2026, 7, 10)
    assert rs.min_members == 3 and set(rs.qualifying_levels) == {"技师", "高级技师"}
    assert [s.working_days for s in rs.stages] == [7, 7, 15, 5]
    assert len(rs.programmes) == 4 and "技能大师工作室" in rs.programmes
    assert "organisation" in rs.report_sections and "id_card" in rs.copy_types
    with pytest.raises(KeyError):
        load_ruleset(dt.date(2026, 5, 20), name="nope")


def test_art17_in_force_and_lapsed():
    ok_day, late = dt.date(2026, 5, 20), dt.date(2026, 11, 28)
    c = check_art17(load_ruleset(ok_day), ok_day)
    assert c.rule == "ART17" and c.status == "pass"
    rs = load_ruleset(late)
    assert rs.name == "gaoming-2021"  # lapsed set still applied
    c = check_art17(rs, late)
    assert c.status == "needs_review" and "失效" in c.detail and "gaoming-2021" in c.detail
    early = check_art17(rs, dt.date(2022, 1, 1))
    assert early.status == "needs_review" and "早于" in early.detail


def test_registry_bom_chinese_header_and_malformed_row(tmp_path):
    p = tmp_path / "reg.csv"
    text = ("单位名称,统一社会信用代码,项目类型,年度,成员身份证号码\n"
            "佛山市甲公司,91440608MA4UABCD1X,技能大师工作室,2026,440608198001010000;440684197907210034\n"
            "佛山市乙公司,,技师工作站,二〇二五,\n"
            "佛山市丙公司,,培训基地,2024,\n"
            "佛山市丁公司,,技师工作站\n")
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    rows, errors = load_registry(p)
    assert len(rows) == 1
    r = rows[0]
    assert r.unit_name == "佛山市甲公司" and r.year == 2026 and r.programme == "技能大师工作室"
    assert r.member_id_numbers == ["440608198001010000", "440684197907210034"] and r.line == 2
    assert len(errors) == 3
    assert errors[0].startswith("第3行") and "年度" in errors[0]
    assert errors[1].startswith("第4行") and "项目类型" in errors[1]
    assert errors[2].startswith("第5行")


def test_registry_english_header_no_bom(tmp_path):
    p = tmp_path / "reg.csv"
    p.write_text("unit_name,uscc,programme,year,member_id_numbers\nA公司,,高技能人才培训基地,2025,\n", encoding="utf-8")
    rows, errors = load_registry(p)
    assert errors == [] and rows[0].programme == "高技能人才培训基地" and rows[0].year == 2025
    bad = tmp_path / "bad.csv"
    bad.write_text("name,code\nx,y\n", encoding="utf-8")
    rows, errors = load_registry(bad)
    assert rows == [] and "第1行" in errors[0]
