import pytest

from extractors import normalize as nz


@pytest.mark.parametrize("text,iso", [
    ("2019年6月28日", "2019-06-28"), ("2019.06.28", "2019-06-28"), ("2019-6-28", "2019-06-28"),
    ("2019/06/28", "2019-06-28"), ("20190628", "2019-06-28"), ("二〇一九年六月二十八日", "2019-06-28"),
    ("二○二○年十二月一日", "2020-12-01"), ("发证日期:2O17年12月2O日", "2017-12-20"),
    ("2019 年 6 月 28 日", "2019-06-28"), ("出生“1992年了月4日", "1992-07-04"),
    ("发证日期:二 O 〇二一年一月六日", "2021-01-06"), ("二〇〇〇年一月一日", "2000-01-01"), ("完成了2019年6月28日", "2019-06-28"),
    ("发证日期二〇—一年四月二十五日", "2011-04-25"), ("二〇二一年十—月三日", "2021-11-03"), ("二〇二一年—月", None),
    ("发证日期:〇二〇二三年十二月二十六日", "2023-12-26"), ("发证日期〇二〇〇八年五月二十日", "2008-05-20"),
    ("二〇〇二三年一月一日", "2023-01-01"), ("〇二〇八年一月一日", None),
    ("2019年06月", None), ("2019年2月30日", None), ("长期", None), ("", None), (None, None),
])
def test_parse_date(text, iso):
    assert nz.parse_date(text) == iso


def test_parse_month_and_ranges():
    assert nz.parse_month("1985年3月") == "1985-03"
    assert nz.parse_month("1985.03") == "1985-03"
    assert nz.parse_month("1985年13月") is None
    assert nz.parse_date_range("2015.06.01-2035.06.01") == ("2015-06-01", "2035-06-01", False)
    assert nz.parse_date_range("2015.06.01-长期") == ("2015-06-01", None, True)
    assert nz.parse_date_range("自2019年6月28日起至2024年6月27日止") == ("2019-06-28", "2024-06-27", False)
    assert nz.parse_date_range("无固定期限,自2020年1月1日起") == ("2020-01-01", None, True)
    assert nz.parse_date_range("期限自二〇一九年一月一日起至二 O 〇二七年十二月三十一日止") == ("2019-01-01", "2027-12-31", False)


@pytest.mark.parametrize("text,level", [
    ("一级", "高级技师"), ("高级技师", "高级技师"), ("国家职业资格一级", "高级技师"),
    ("高级技师(国家职业资格一级)", "高级技师"), ("一级/高级技师", "高级技师"),
    ("二级", "技师"), ("技师", "技师"), ("技师（国家职业资格二级）", "技师"), ("二级/技师", "技师"),
    ("三级", "高级工"), ("四级/中级工", "中级工"), ("五级", "初级工"), ("初级工", "初级工"),
    ("工程师", None), ("", None),
])
def test_normalize_level(text, level):
    assert nz.normalize_level(text) == level


@pytest.mark.parametrize("text,amount", [
    ("人民币伍佰万元", 5_000_000), ("500万元", 5_000_000), ("50万", 500_000), ("人民币壹佰零伍万元", 1_050_000),
    ("壹仟贰佰万元整", 12_000_000), ("1,200.50元", 1200.5), ("100万元人民币", 1_000_000), ("无", None),
])
def test_parse_money(text, amount):
    assert nz.parse_money(text) == amount


def test_compact_identifier_repairs_only_digit_positions():
    assert nz.compact_identifier("44O6O8 1985O312 123x", "id") == "44060819850312123X"
    assert nz.compact_identifier("9144O6O8MA4UABCD1L", "uscc") == "91440608MA4UABCD1L"
    # letters allowed by GB 32100 stay letters outside the region code
    assert nz.compact_identifier("91440608MA4UABCD1L", "uscc") == "91440608MA4UABCD1L"
    assert nz.compact_identifier("2013 0012 3456 789O", "account") == "2013001234567890"
    assert nz.compact_identifier("S0000444400l23100045", "cert") == "S0000444400123100045"
    assert nz.compact_identifier("l944-0600-1120-0123", "cert") == "1944060011200123"
    assert nz.compact_identifier("J588000l234567", "licence") == "J5880001234567"


def test_from_id_number():
    assert nz.birth_from_id("440608198503121237") == "1985-03-12"
    assert nz.sex_from_id("440608198503121237") == "男"
    assert nz.sex_from_id("440608197608150023") == "女"
    assert nz.birth_from_id("440608198502301237") is None
    assert nz.sex_from_id("44060819850312") is None


def test_names_and_text():
    assert nz.normalize_name(" 张 伟明：") == "张伟明"
    assert nz.normalize_name("买买提·艾力") == "买买提·艾力"
    assert nz.clean_text("佛山市 避明区 人民 政府") == "佛山市高明区人民政府"


def test_punctuation_in_a_letter_spaced_label_is_dropped_only_there():
    assert nz.match_text("账:号:48174004619476665209") == "账号:48174004619476665209"
    assert nz.match_text("姓 . 名:张三") == "姓名:张三"
    # Not a two-character label at the start of a line: left as read.
    assert nz.match_text("甲方:乙方:") == "甲方:乙方:"
    assert nz.match_text("说明:甲:乙") == "说明:甲:乙"
    assert nz.match_text("账:号") == "账:号"
