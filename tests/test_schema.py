"""result.json follows CONTRACT.md: the schema accepts a real result and rejects broken ones."""
from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from reports.result_json import load_schema, validate_result
from tests.test_reports_common import make_case


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return make_case(tmp_path_factory.mktemp("schema"))[0]


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_built_result_validates_and_has_contract_shape(result):
    assert validate_result(result) == []
    json.dumps(result, ensure_ascii=False)  # plain JSON, no dataclasses or dates left
    assert result["as_of"] == "2026-05-20"
    assert result["bank_account"]["basic_account_licence_no"] is None  # absent -> null
    prov = result["members"][0]["provenance"]["id_number"][0]
    assert set(prov) >= {"file", "page", "bbox", "confidence", "text", "engine"}
    assert prov["bbox"] == [0.30, 0.30, 0.80, 0.34]
    # The unreadable .wps is listed as a document of type other with its Chinese reason.
    wps = [d for d in result["documents"] if d["file"] == "旧文件.wps"]
    assert wps == [{"file": "旧文件.wps", "pages": [], "type": "other", "text_source": None,
                    "error": "无法转换的WPS旧格式文件，请申报单位提供PDF"}]
    assert result["recommendation_reason"].startswith("存在高风险疑点")


def _broken(result, mutate):
    d = copy.deepcopy(result)
    mutate(d)
    return validate_result(d)


def test_missing_rule_is_rejected(result):
    errs = _broken(result, lambda d: d["checks"].pop(0))  # drops ART3
    assert any("ART3" in e for e in errs)


def test_duplicate_rule_is_rejected(result):
    errs = _broken(result, lambda d: d["checks"].append(copy.deepcopy(d["checks"][1])))
    assert any("ART4.1" in e and "2 次" in e for e in errs)


@pytest.mark.parametrize("bbox", [[0.1, 0.2, 1.3, 0.4], [0.1, 0.2, 0.3], [-0.1, 0, 0.5, 0.5], [0.6, 0.2, 0.3, 0.4]])
def test_bad_bbox_is_rejected(result, bbox):
    def mutate(d):
        d["flags"][0]["evidence"][0]["bbox"] = bbox
    assert _broken(result, mutate)


@pytest.mark.parametrize("path,value", [
    (("checks", 0, "status"), "ok"),
    (("flags", 0, "code"), "LOOKS_ODD"),
    (("flags", 0, "severity"), "critical"),
    (("recommendation",), "approve"),
    (("documents", 0, "type"), "passport"),
    (("members", 0, "birth_date"), "12/03/1985"),
    (("members", 0, "provenance", "id_number", 0, "page"), 0),
    (("members", 0, "provenance", "id_number", 0, "confidence"), 1.5),
])
def test_bad_values_are_rejected(result, path, value):
    def mutate(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    assert _broken(result, mutate)


def test_missing_key_is_rejected(result):
    assert any("uscc" in e for e in _broken(result, lambda d: d["applicant"].pop("uscc")))
