"""One bad file never costs another (issue #16): every kind of broken or hostile input we
know, each in its own dossier beside a valid business licence, read, extracted, judged and
written like a real dossier. Each bad file must be a finding on its own document, the
licence must still be read, no dossier may fail as a whole, the originals must stay
byte-identical and nothing may be written outside the output folder.

The corpus is built at test time (tests/fixtures/ingest/hostile.py); pages are rendered at
72 dpi and nothing is OCR'd, to keep the run short.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path

import pytest

from flows import pipeline
from flows.outputs import judge_and_write, write_batch_outputs
from reports.result_json import build_result, validate_result
from flows.settings import RunSettings
from tests.fixtures.ingest import hostile
from validators.batch_index import build_index
from validators.judge import judge
from validators.ruleset import load_ruleset

AS_OF = "2026-05-20"


def _tree(root: Path) -> dict[str, str]:
    """Every entry under root (links not followed) -> content hash, or the link's target."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = "->" + os.readlink(p)
            elif p.is_file():
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _screen(name: str, src: Path, settings: RunSettings, ruleset) -> tuple:
    """Read, extract and judge one dossier as the flow does (no OCR: nothing here needs it)."""
    files = pipeline.read_dossier_files(src, settings.work_dir, dpi=settings.dpi)
    record = pipeline.extract_record(name, files)
    judgement = judge(record, build_index([record], []), ruleset, date.fromisoformat(AS_OF))
    result = build_result(record, judgement, as_of=date.fromisoformat(AS_OF), rule_set=ruleset.name, screened_at="now")
    return record, result


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    batch, out, scratch = base / "batch", base / "out", base / "scratch"
    cases = {name: hostile.build(name, batch / name, scratch) for name in hostile.CASES}
    originals = _tree(batch)
    absolute_escape = Path("/tmp/evil3.txt").exists()
    settings = RunSettings(batch_dir=str(batch), out_dir=str(out), as_of=AS_OF, crosscheck_engine=None, dpi=72)
    ruleset = load_ruleset(date.fromisoformat(AS_OF))
    results, records = {}, {}
    with pytest.MonkeyPatch.context() as mp:
        # The giant page is rendered small either way; a smaller cap keeps the test fast.
        mp.setattr("extractors.carriers.pdf.MAX_RENDER_PIXELS", 2_000_000)
        for name in cases:
            records[name], results[name] = _screen(name, batch / name, settings, ruleset)
    return {"base": base, "batch": batch, "out": out, "cases": cases, "results": results, "records": records,
            "originals": originals, "absolute_escape": absolute_escape, "settings": settings, "ruleset": ruleset}


@pytest.mark.parametrize("name", list(hostile.CASES))
def test_bad_file_is_its_own_finding_and_the_licence_is_read(corpus, name):
    case, result = corpus["cases"][name], corpus["results"][name]
    assert result["error"] is None, result["error"]  # no dossier-level failure
    assert validate_result(result) == []

    licence = [d for d in result["documents"] if d["file"] == case.licence]
    assert [d["type"] for d in licence] == ["business_licence"] and licence[0]["error"] is None
    assert result["applicant"]["uscc"] == hostile.USCC

    files = {f["file"]: f for f in result["files"]}
    assert case.bad in files, f"{case.bad} not listed among {sorted(files)}"
    bad = files[case.bad]
    docs = [d for d in result["documents"] if d["file"] == case.bad]
    assert docs, "the bad file must be a document of its own"
    if case.codes and "" not in case.codes:
        assert bad["error_code"] in case.codes, bad
        assert any(d["error"] and any("\u4e00" <= ch <= "\u9fff" for ch in d["error"]) for d in docs)
    elif not case.codes:
        assert bad["error_code"] is None and bad["pages"] >= 1, bad
    else:  # either read or refused, but never silently
        assert bad["error_code"] in case.codes | {None}
        assert bad["pages"] >= 1 or any(d["error"] for d in docs)


def test_the_corpus_harms_nothing(corpus):
    batch, out, base = corpus["batch"], corpus["out"], corpus["base"]
    assert _tree(batch) == corpus["originals"]  # byte-identical, nothing added beside them
    assert {p.name for p in base.iterdir()} <= {"batch", "scratch", "out", "out2", "mixed"}
    assert not list(base.rglob("evil*")), "an archive entry escaped its folder"
    if not corpus["absolute_escape"]:
        assert not Path("/tmp/evil3.txt").exists()
    # No bomb was written out, whole or in part (the largest bomb is 8 MB of zeros).
    assert max(p.stat().st_size for p in out.rglob("*") if p.is_file()) < 4 << 20


def test_unsafe_entries_are_each_listed(corpus):
    files = {f["file"]: f["error_code"] for f in corpus["results"]["zip_traversal"]["files"]}
    assert {k: v for k, v in files.items() if v == "unsafe_archive"}.keys() == {
        "材料.zip/../evil.txt", "材料.zip/a/../../evil2.txt", "材料.zip/link.pdf", "材料.zip//tmp/evil3.txt"}


def test_no_entity_or_script_was_resolved(corpus):
    texts = [p.text for r in corpus["records"].values() for p in r.pages]
    assert not any("root:" in t for t in texts)  # the docx's external entity was not fetched
    script = next(f for f in corpus["records"]["pdf_javascript_launch"].files if f.file == "脚本.pdf")
    assert {"JavaScript", "Launch"} <= set(script.meta["active_content"])  # noted, never run
    long_name = corpus["cases"]["zip_long_name"].bad
    assert long_name.endswith(".png") and "很长的文件名" in long_name  # named as in the archive


def test_forensics_failing_on_one_file_stays_on_that_file(corpus, monkeypatch):
    """A forensic check that raises on one PDF (the encrypted-PDF crash of issue #16, or any
    bug) becomes that document's finding; the dossier is still judged."""
    import validators.flags.documents as docs_flags

    name = "encrypted_pdf_owner_only"
    record = corpus["records"][name]
    target = next(f for f in record.files if f.file == "限制编辑.pdf")

    def boom(path):
        if str(path) == target.source_path:
            raise RuntimeError("simulated")
        return []

    monkeypatch.setattr(docs_flags, "inspect_pdf", boom)
    settings = RunSettings(batch_dir=str(corpus["batch"]), out_dir=str(corpus["base"] / "out2"), as_of=AS_OF,
                           crosscheck_engine=None, dpi=72)
    result = judge_and_write(record, build_index([record], []), load_ruleset(date.fromisoformat(AS_OF)), settings, "now", False)
    assert result["error"] is None and result["applicant"]["uscc"] == hostile.USCC
    errors = {d["file"]: d["error"] for d in result["documents"] if d["error"]}
    assert list(errors) == ["限制编辑.pdf"] and "真实性检查" in errors["限制编辑.pdf"]


def test_extraction_failing_on_one_document_stays_on_it(corpus, monkeypatch):
    import extractors.fields as fields

    real = fields.extract_fields

    def flaky(doc, pages):
        if doc.file == "脚本.pdf":
            raise ValueError("simulated")
        return real(doc, pages)

    monkeypatch.setattr(fields, "extract_fields", flaky)
    record = corpus["records"]["pdf_javascript_launch"]
    again = pipeline.extract_record("pdf_javascript_launch", record.files)
    assert again.applicant.uscc == hostile.USCC
    assert [d.file for d in again.documents if d.error] == ["脚本.pdf"]
    assert "分类与字段抽取" in next(d.error for d in again.documents if d.error)


def test_mixed_dossier_end_to_end(corpus):
    """The failures of issue #16 together in one dossier, judged and written like the flow
    does it: an encrypted PDF, a zip holding a bomb and the valid licence, a broken JPEG, a
    Word bomb. The licence is read, every bad file is listed, the summary has no failure."""
    base, scratch = corpus["base"], corpus["base"] / "scratch"
    batch, out = base / "mixed" / "batch", base / "mixed" / "out"
    d = batch / "D1"
    d.mkdir(parents=True)
    for name in ("encrypted_pdf_user", "zip_bomb_beside_licence", "corrupt_jpeg", "docx_zip_bomb"):
        hostile.CASES[name](d, scratch)
    before = _tree(batch)
    settings = RunSettings(batch_dir=str(batch), out_dir=str(out), as_of=AS_OF, crosscheck_engine=None, dpi=72)
    record = pipeline.extract_record("D1", pipeline.read_dossier_files(d, settings.work_dir, dpi=72))
    result = judge_and_write(record, build_index([record], []), corpus["ruleset"], settings, "now", False)
    summary = write_batch_outputs([result], out, [])
    assert result["error"] is None and summary[0]["dossier_id"] == "D1"
    assert result["applicant"]["uscc"] == hostile.USCC
    errors = {d["file"]: d["error"] for d in result["documents"] if d["error"]}
    assert set(errors) == {"加密.pdf", "打包.zip/zeros.pdf", "身份证.jpg", "炸弹.docx"}
    saved = json.loads((out / "D1" / "result.json").read_text(encoding="utf-8"))
    assert saved["error"] is None and (out / "D1" / "worksheet.xlsx").is_file()
    assert "系统" not in saved["recommendation_reason"]
    # Unreadable is not forged: no bad file raises an accusation.
    assert [f["code"] for f in result["flags"] if f["severity"] == "high"] == []
    assert _tree(batch) == before


def test_a_failure_tied_to_no_document_names_its_stage(corpus, monkeypatch):
    import flows.outputs as outputs
    from flows.outputs import write_failed_dossier

    record = corpus["records"]["zero_bytes"]
    def broken_judge(*args, **kwargs):
        raise KeyError("a bug in no document")

    monkeypatch.setattr("validators.judge.judge", broken_judge)
    settings = RunSettings(batch_dir=str(corpus["batch"]), out_dir=str(corpus["base"] / "out2"), as_of=AS_OF)
    with pytest.raises(Exception) as info:
        outputs.judge_and_write(record, build_index([record], []), corpus["ruleset"], settings, "now", False)
    result = write_failed_dossier("zero_bytes", info.value, settings, "now", corpus["ruleset"].name, record=record)
    assert "条款审查" in result["error"] and "条款审查" in result["recommendation_reason"]
    # the files it was read from are still listed for the reviewer
    assert {f["file"] for f in result["files"]} == {f.file for f in record.files}
