from validators.ocr_tolerance import is_truncation, probable_misread, within_one_edit


def test_within_one_edit():
    assert within_one_edit("佛山市高明区众鑫", "佛山市高明区众春")
    assert within_one_edit("19860111", "1986011")
    assert not within_one_edit("19860111", "19850112")
    assert not within_one_edit("有限公司", "有限责任公司")


def test_truncation_needs_a_real_prefix():
    assert is_truncation("佛山市南海区金沙模具有限公", "佛山市南海区金沙模具有限公司")
    assert not is_truncation("佛山", "佛山市南海区")  # too short to say anything
    assert not is_truncation("南海区金沙", "佛山市南海区金沙")  # not a prefix
    assert probable_misread("佛山市高明区宏达", "佛山市高明区宏达汽车配件有限公司")
