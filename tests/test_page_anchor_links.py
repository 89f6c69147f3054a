"""Worksheet page references and summary rows open the review page at the page they name."""
from openpyxl import Workbook

from reports.page_anchor import first_concern, link_location_cells


NUMBERS = {("证书.pdf", 1): 4, ("证书.pdf", 2): 5, ("执照.pdf", 1): 2}


def test_location_cells_link_to_their_first_page():
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "证书.pdf 第2、5页\n执照.pdf 第1页"
    ws["A2"] = "说明：证书.pdf 第2页"        # not a location cell: prose mentioning one
    ws["A3"] = "其他.pdf 第1页"              # a file the review page does not show
    assert link_location_cells(wb, NUMBERS) == 1
    assert ws["A1"].hyperlink.target == "review.html#page-5"
    assert ws["A2"].hyperlink is None and ws["A3"].hyperlink is None


def test_first_concern_is_the_most_severe_flags_page():
    result = {"flags": [{"severity": "medium", "evidence": [{"file": "执照.pdf", "page": 1}]},
                        {"severity": "high", "evidence": [{"file": "缺页.pdf", "page": 9},
                                                          {"file": "证书.pdf", "page": 1}]}],
              "checks": [{"status": "fail", "evidence": [{"file": "证书.pdf", "page": 2}]}]}
    assert first_concern(result, NUMBERS) == "review.html#page-4"
    result["flags"] = []
    assert first_concern(result, NUMBERS) == "review.html#page-5"
    result["checks"] = []
    assert first_concern(result, NUMBERS) is None
