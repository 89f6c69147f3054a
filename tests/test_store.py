"""The case store (issue 18) on SQLite and on a real PostgreSQL started here on loopback,
with the same assertions: two years of screening, cross-year flags with both dossiers as
evidence, the Article 15(1) action sheet, correction rounds, the public notice, objections,
and no clear ID or account number in either database."""
from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image, ImageDraw

from extractors.records import (Applicant, BankAccount, DossierRecord, Document, FileReading, Member, Page,
                                Provenance, TextLine)
from validators.identifiers import ric, uscc

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
KEY = "k" * 24 + "-test-key-not-the-bureaus-0123456789"
UNIT_1 = ("佛山市高明区明辉精密机械有限公司", "91440608MA3UG88F2M")
UNIT_1B = ("佛山市高明区华盛电气设备有限公司", "91440608MAKG078D4D")
UNIT_2 = ("佛山市高明区永利精密机械有限公司", "91440608MANCL6LH3E")


@pytest.fixture(autouse=True)
def _store_key(monkeypatch):
    monkeypatch.setenv("DOSSIER_SCREEN_STORE_KEY", KEY)
    monkeypatch.delenv("DOSSIER_SCREEN_STORE_KEY_FILE", raising=False)


# ------------------------------------------------------------------ PostgreSQL on loopback
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user() -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as `nobody` then."""
    return ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []


@pytest.fixture(scope="session")
def postgres():
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL server binaries missing in {PG_BIN}: install Debian's postgresql (scripts/install.sh)")
    base = Path(tempfile.mkdtemp(prefix="dossier-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "nobody")
    run = lambda *a: subprocess.run([*_as_server_user(), *a], check=True, capture_output=True, text=True)  # noqa: E731
    run(str(PG_BIN / "initdb"), "-D", str(base / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
        "--locale=C", "--no-sync")
    port = _free_port()
    run(str(PG_BIN / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "log"), "-w", "-t", "60", "-o",
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", "start")
    try:
        yield {"port": port, "base": base, "run": run}
    finally:
        subprocess.run([*_as_server_user(), str(PG_BIN / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "-W",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


_db_counter = iter(range(1, 10_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    """(store target, function returning the database's raw bytes/text for the privacy check)."""
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite"
        yield str(path), lambda: path.read_bytes().decode("latin-1")
        return
    pg = request.getfixturevalue("postgres")
    import psycopg

    name = f"store_{next(_db_counter)}"
    with psycopg.connect(f"host=127.0.0.1 port={pg['port']} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")

    def dump() -> str:
        return subprocess.run([str(PG_BIN / "pg_dump"), "-h", "127.0.0.1", "-p", str(pg["port"]), "-U", "postgres", name],
                              check=True, capture_output=True, text=True).stdout

    yield f"postgresql+psycopg://postgres@127.0.0.1:{pg['port']}/{name}", dump


# ------------------------------------------------------------------ dossiers built directly
def make_id(seed: int) -> str:
    rnd = random.Random(seed)
    body = f"440608{rnd.randint(1965, 1995)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}{rnd.randint(100, 999)}"
    return body + ric.calc_check_digit(body)


def scan(path: Path, seed: int, words: list[str]) -> str:
    """A certificate-like page: a frame, blocks of 'text' and scanner noise of its own."""
    rnd = np.random.default_rng(seed)
    img = Image.new("L", (420, 580), 235)
    d = ImageDraw.Draw(img)
    d.rectangle([20, 20, 400, 560], outline=60, width=5)
    for i, w in enumerate(words):
        d.text((50, 90 + 40 * i), w, fill=20)
        d.rectangle([220, 88 + 40 * i, 220 + 8 * (len(w) % 17 + 4), 102 + 40 * i], fill=40 + 9 * i)
    d.ellipse([250, 400, 370, 520], outline=(seed * 37) % 120, width=4)
    arr = np.asarray(img, dtype=np.int16) + rnd.normal(0, 6, (580, 420)).astype(np.int16)
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, compress_level=1)
    return str(path)


def _prov(file, page, value, doc_type, engine="text_layer"):
    return Provenance(file=file, page=page, bbox=(0.1, 0.1, 0.5, 0.15), confidence=1.0, text=value, engine=engine,
                      value=value, doc_type=doc_type)


def _lines(texts):
    return [TextLine(t, (0.1, 0.1 + 0.05 * i, 0.9, 0.14 + 0.05 * i), 1.0, "rapidocr") for i, t in enumerate(texts)]


def dossier(work: Path, did: str, unit: tuple[str, str], account: str, people: list[dict],
            extra_files: list[str] = (), address: str = "佛山市高明区荷城街道") -> DossierRecord:
    """A dossier record as extraction leaves it: one certificate scan per member."""
    work.mkdir(parents=True, exist_ok=True)
    rec = DossierRecord(dossier_id=did)
    rec.applicant = Applicant(name=unit[0], uscc=unit[1], address=address,
                              provenance={"name": [_prov("申请表.pdf", 1, unit[0], "application_form")],
                                          "uscc": [_prov("营业执照.pdf", 1, unit[1], "business_licence")]})
    rec.bank_account = BankAccount(account_name=unit[0], account_number=account, bank="中国工商银行高明支行",
                                   provenance={"account_number": [_prov("开户许可证.pdf", 1, account, "bank_account")]})
    files = []
    for p in people:
        f = f"证书_{p['name']}.jpg"
        src = p.get("image") or scan(work / f"{did}_{p['name']}.png", p["seed"], p["printed"])
        if p.get("image"):
            src = str(shutil.copy(p["image"], work / f"{did}_{p['name']}.png"))
        page = Page(file=f, page=1, lines=_lines([p["name"], *p["printed"]]), text_source="ocr", image_path=src,
                    width=420, height=580)
        files.append(FileReading(file=f, source_path=src, sha256=f"sha-{Path(src).read_bytes().__hash__():x}-{p['name']}",
                                 kind="image", pages=[page]))
        rec.documents.append(Document(file=f, pages=[1], type="qualification_certificate"))
        rec.members.append(Member(name=p["name"], id_number=p["id"], level="技师", certificate_number=p["cert"],
                                  has_certificate=True,
                                  provenance={"id_number": [_prov(f, 1, p["id"], "qualification_certificate", "rapidocr")],
                                              "name": [_prov(f, 1, p["name"], "qualification_certificate", "rapidocr")],
                                              "certificate_number": [_prov(f, 1, p["cert"], "qualification_certificate", "rapidocr")]}))
    for name in extra_files:
        files.append(FileReading(file=name, source_path=name, sha256=f"sha-extra-{name}", kind="pdf",
                                 pages=[Page(file=name, page=1, lines=_lines(["业绩材料"]), text_source="text_layer")]))
        rec.documents.append(Document(file=name, pages=[1], type="achievement"))
    rec.files = files
    return rec


def screen(records, out_dir: Path, as_of: str, store_target: str) -> dict:
    """Passes 2 and 3 of flows/screen.py, as the flow wires them, without Prefect."""
    from flows import casestore
    from flows.outputs import judge_and_write, write_batch_outputs
    from flows.settings import RunSettings
    from validators.batch_index import build_index
    from validators.ruleset import load_ruleset

    settings = RunSettings(batch_dir=str(out_dir), out_dir=str(out_dir), as_of=as_of, store=store_target, progress=False)
    index = build_index(records, [])
    casestore.attach(settings, index, records)
    ruleset = load_ruleset(date.fromisoformat(as_of))
    results = {r.dossier_id: judge_and_write(r, index, ruleset, settings, f"{as_of}T10:00:00+08:00", False) for r in records}
    write_batch_outputs(list(results.values()), out_dir, [])
    casestore.record(settings, index, results)
    index.case_store.store.close()
    return results


def people(tag: str, n: int, seed0: int) -> list[dict]:
    out = []
    for i in range(n):
        s = seed0 + i
        pid, cert = make_id(s), f"S{2020 + i}{s:08d}"
        out.append({"name": f"{tag}{'甲乙丙丁'[i]}", "id": pid, "cert": cert, "seed": s,
                    "printed": [pid, cert, f"{2019 + i}-0{1 + i}-15", "职业技能等级证书"]})
    return out


def year1(tmp: Path, target: str) -> dict:
    """Year 1: two units screened; the first one's 综合评议 says 拟认定, the other's 不符合."""
    from store import open_store

    p1, p1b = people("张", 3, 100), people("李", 3, 200)
    recs = [dossier(tmp / "w1", "Y1-01", UNIT_1, "44050160000000123456", p1),
            dossier(tmp / "w1", "Y1-02", UNIT_1B, "44050160000000999888", p1b)]
    results = screen(recs, tmp / "out1", "2025-05-20", target)
    st = open_store(target)
    st.record_decisions(2025, [
        {"dossier_id": "Y1-01", "stage": "综合评议", "rule": "ART4.2", "decision": "符合", "reviewer": "王"},
        {"dossier_id": "Y1-01", "stage": "综合评议", "rule": "ART4.3", "decision": "符合", "reviewer": "王"},
        {"dossier_id": "Y1-02", "stage": "综合评议", "rule": "ART4.2", "decision": "不符合", "reviewer": "王"},
    ])
    st.close()
    return {"people": p1, "people_b": p1b, "results": results}


def year2(tmp: Path, target: str, y1: dict, extra_files=(), address="佛山市高明区荷城街道", out="out2") -> dict:
    """Year 2: another unit lists year 1's recognised member 张甲, and files year 1's scan of
    张乙's certificate (unchanged numbers) as its own member 赵乙's."""
    reused_member = dict(y1["people"][0])
    donor = y1["people"][1]
    impostor = {"name": "赵乙", "id": make_id(999), "cert": donor["cert"], "seed": 0, "printed": donor["printed"],
                "image": str(tmp / "w1" / f"Y1-01_{donor['name']}.png")}
    fresh = people("赵", 3, 300)[2]
    recs = [dossier(tmp / out / "w", "Y2-01", UNIT_2, "44050160000000777666", [reused_member, impostor, fresh],
                    extra_files=extra_files, address=address)]
    return screen(recs, tmp / out, "2026-05-20", target)


def _case_store_refs(flag) -> list[dict]:
    return [e for e in flag["evidence"] if e["engine"] == "case_store"]


# ------------------------------------------------------------------ the scenario
def test_two_year_scenario(backend, tmp_path):
    target, raw = backend
    from reports.actions import write_actions
    from store import open_store

    y1 = year1(tmp_path, target)
    assert not any(f["code"] in ("DUPLICATE_PERSON", "REUSED_IMAGE") for r in y1["results"].values() for f in r["flags"])
    r2 = year2(tmp_path, target, y1)["Y2-01"]

    dup = [f for f in r2["flags"] if f["code"] == "DUPLICATE_PERSON"]
    assert len(dup) == 1 and "张甲" in dup[0]["subject"]
    # both dossiers: this dossier's page, and year 1's dossier and page from the store
    assert dup[0]["evidence"][0]["file"] == "证书_张甲.jpg" and dup[0]["evidence"][0]["engine"] != "case_store"
    other = _case_store_refs(dup[0])
    assert [(e["file"], e["page"]) for e in other] == [("证书_张甲.jpg", 1)]
    assert "2025年申报材料Y1-01" in other[0]["text"] and "第十五条第（一）项" in dup[0]["detail"]
    # the same person in an earlier year's dossier may have changed employer: medium, and says what to verify
    assert dup[0]["severity"] == "medium"

    reused = [f for f in r2["flags"] if f["code"] == "REUSED_IMAGE" and "赵乙" in f["subject"]]
    assert len(reused) == 1
    assert reused[0]["evidence"][0]["file"] == "证书_赵乙.jpg"
    assert [(e["file"], e["page"]) for e in _case_store_refs(reused[0])] == [("证书_张乙.jpg", 1)]
    # year 1's page image is still in its output folder: compared pixel by pixel, one scan
    assert reused[0]["severity"] == "high"
    assert r2["recommendation"] == "refer_false_materials"
    # the fresh member and the other year-1 unit (not recognised) are not touched
    assert not any("赵丙" in f["subject"] for f in r2["flags"] if f["code"] in ("DUPLICATE_PERSON", "REUSED_IMAGE"))

    st = open_store(target)
    items = st.action_items()
    assert {(i.station_dossier, i.code) for i in items} == {("Y1-01", "DUPLICATE_PERSON"), ("Y1-01", "REUSED_IMAGE")}
    df = write_actions(items, tmp_path / "actions.xlsx")
    ws = load_workbook(tmp_path / "actions.xlsx").active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = rows[0]
    for row in rows[1:]:
        assert row[head.index("已认定工作站")] == UNIT_1[0] and row[head.index("后续卷宗编号")] == "Y2-01"
        assert row[head.index("原卷宗材料页")].endswith("第1页") and row[head.index("后续卷宗材料页")].endswith("第1页")
    assert len(df) == 2

    # no clear ID or account number anywhere in the database; the masked forms are there
    st.close()
    text = raw()
    for p in y1["people"] + y1["people_b"]:
        assert p["id"] not in text
    assert "44050160000000123456" not in text and make_id(999) not in text
    assert (y1["people"][0]["id"][:6] + "*" * 10 + y1["people"][0]["id"][-2:]) in text
    _RESULTS["postgresql" if "://" in target else "sqlite"] = _canonical(r2, items)


_RESULTS: dict[str, object] = {}


def _canonical(result: dict, items) -> object:
    flags = sorted((f["code"], f["severity"], f["subject"], tuple((e["file"], e["page"], e["engine"]) for e in f["evidence"]))
                   for f in result["flags"])
    return flags, result["recommendation"], sorted((i.station_dossier, i.code, i.later_file, i.station_file) for i in items)


def test_backends_agree():
    if len(_RESULTS) < 2:
        pytest.skip("needs both backends' scenario runs in this session")
    assert _RESULTS["sqlite"] == _RESULTS["postgresql"]


def test_stored_hashes_alone_make_a_medium_finding(tmp_path):
    """Year 1's output folder is gone: the store's hashes and printed numbers still pair the
    scan, but without pixels it is only a look-alike for the reviewer to compare."""
    target = str(tmp_path / "s.sqlite")
    y1 = year1(tmp_path, target)
    donor_img = tmp_path / "w1" / f"Y1-01_{y1['people'][1]['name']}.png"
    keep = donor_img.read_bytes()
    for p in (tmp_path / "w1").glob("*.png"):
        p.unlink()  # the earlier run's page images are no longer there
    donor_img.parent.mkdir(exist_ok=True)
    reused_src = tmp_path / "reused.png"
    reused_src.write_bytes(keep)
    donor_img.write_bytes(keep)  # year 2 still has its own copy to file
    from store import open_store

    st = open_store(target)
    from sqlalchemy import update

    from store.models import PageImageRow

    with st.session() as s, s.begin():
        s.execute(update(PageImageRow).values(image_path=str(tmp_path / "gone.png")))
    st.close()
    r2 = year2(tmp_path, target, y1)["Y2-01"]
    reused = [f for f in r2["flags"] if f["code"] == "REUSED_IMAGE" and "赵乙" in f["subject"]]
    assert len(reused) == 1 and reused[0]["severity"] == "medium" and "look_alike" in reused[0]["proof"]


def test_correction_round_shows_what_changed(backend, tmp_path):
    target, _ = backend
    crew = people("孙", 3, 700)

    def round_(out, extra=(), address="佛山市高明区荷城街道"):
        rec = dossier(tmp_path / out / "w", "Y2-01", UNIT_2, "44050160000000777666", crew, extra_files=extra,
                      address=address)
        return screen([rec], tmp_path / out, "2026-05-20", target)["Y2-01"]

    assert "changes" not in round_("out2")
    assert "changes" not in round_("out2b")  # the same files again: a re-run, not a correction round
    second = round_("out3", extra=["业绩证明.pdf"], address="佛山市高明区明城镇")
    ch = second["changes"]
    assert (ch["previous_round"], ch["this_round"]) == (1, 2)
    assert [d["file"] for d in ch["documents_added"]] == ["业绩证明.pdf"] and ch["documents_removed"] == []
    assert [(c["field"], c["before"], c["after"]) for c in ch["fields_changed"]] == [
        ("applicant.address", "佛山市高明区荷城街道", "佛山市高明区明城镇")]
    from reports.result_json import validate_result

    validate_result(second)
    wb = load_workbook(tmp_path / "out3" / "Y2-01" / "worksheet.xlsx")
    assert "补正对比" in wb.sheetnames
    cells = [c.value for r in wb["补正对比"].iter_rows() for c in r]
    assert "业绩证明.pdf" in cells and "佛山市高明区明城镇" in cells
    assert "补正对比" in (tmp_path / "out3" / "Y2-01" / "review.html").read_text(encoding="utf-8")
    row = json.loads((tmp_path / "out3" / "summary.json").read_text(encoding="utf-8"))["dossiers"][0]
    assert "新增材料1份" in row["changes"]
    head = [c.value for c in load_workbook(tmp_path / "out3" / "summary.xlsx").active[3]]  # title, batch line, heads
    assert "补正对比" in head


# ------------------------------------------------------------------ notice and objections
def _working_days_from(start: date, n: int) -> tuple[date, date]:
    d = start
    while not chinese_calendar.is_workday(d):
        d += timedelta(days=1)
    first, left = d, n - 1
    while left:
        d += timedelta(days=1)
        left -= chinese_calendar.is_workday(d)
    return first, d


@pytest.mark.parametrize("published", ["2026-09-30", "2026-02-13", "2026-06-01"])
def test_notice_period_counts_working_days(published):
    from reports.notice import notice_period

    got = notice_period(date.fromisoformat(published))
    first, last = _working_days_from(date.fromisoformat(published), 5)
    assert (got["start"], got["end"]) == (first.isoformat(), last.isoformat())


def test_notice_period_past_the_calendar_is_unknown():
    from reports.notice import notice_period

    got = notice_period(date(2031, 3, 3))
    assert got["end"] is None and "未知" in got["end_text"]


def test_notice_from_store_and_objections_read_back(backend, tmp_path):
    target, _ = backend
    from reports.notice import read_objections, write_notice
    from store import open_store

    st = open_store(target)
    for did, (name, code) in (("Y1-01", UNIT_1), ("Y1-02", UNIT_1B)):  # screened (outputs are not the point here)
        result = {"dossier_id": did, "screened_at": "2025-05-20T10:00:00+08:00", "as_of": "2025-05-20",
                  "applicant": {"name": name, "uscc": code}, "files": [{"file": "a.pdf", "sha256": did}], "flags": []}
        st.record_screening(result, 2025, None, [], {})
    st.record_decisions(2025, [
        {"dossier_id": "Y1-01", "stage": "综合评议", "rule": "ART4.2", "decision": "符合", "reviewer": "王"},
        {"dossier_id": "Y1-02", "stage": "综合评议", "rule": "ART4.2", "decision": "不符合", "reviewer": "王"}])
    units = [{"unit_name": s.unit_name, "uscc": s.uscc, "dossier_id": s.dossier_id}
             for s in st.screenings(year=2025, outcome="recognised")]
    assert [u["dossier_id"] for u in units] == ["Y1-01"]
    period = write_notice(units, 2025, date(2025, 9, 29), tmp_path / "notice")
    first, last = _working_days_from(date(2025, 9, 29), 5)
    assert period["end"] == last.isoformat()
    from docx import Document as Docx

    text = "\n".join(p.text for p in Docx(tmp_path / "notice" / "拟认定名单.docx").paragraphs)
    assert f"{last.year}年{last.month}月{last.day}日" in text and "第六条第（四）项" in text
    cells = [c.text for t in Docx(tmp_path / "notice" / "拟认定名单.docx").tables for r in t.rows for c in r.cells]
    assert UNIT_1[0] in cells and UNIT_1B[0] not in cells

    log = tmp_path / "notice" / "公示异议登记表.xlsx"
    wb = load_workbook(log)
    ws = wb["异议登记"]
    head = [c.value for c in ws[1]]
    ws.cell(2, head.index("卷宗编号") + 1, "Y1-01")
    ws.cell(2, head.index("异议内容") + 1, "成员张乙未在该单位工作")
    ws.cell(2, head.index("收到日期") + 1, date(2025, 10, 9))
    ws.cell(2, head.index("调查结论") + 1, "异议成立")
    ws.cell(3, head.index("单位名称") + 1, UNIT_1[0])
    ws.cell(3, head.index("异议内容") + 1, "另一异议")
    ws.cell(3, head.index("调查结论") + 1, "成立吧")  # not one of the allowed findings: refused with its row
    wb.save(log)
    rows, errors = read_objections(log)
    assert len(rows) == 1 and rows[0]["received"] == "2025-10-09" and rows[0]["finding"] == "异议成立"
    assert len(errors) == 1 and "第3行" in errors[0]
    st.record_objections(2025, rows, log.name)
    assert [(o.dossier_id, o.finding) for o in st.objections(2025)] == [("Y1-01", "异议成立")]
    st.close()


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"), reason="LibreOffice/poppler missing")
def test_notice_prints_through_libreoffice(tmp_path):
    from reports.notice import write_notice

    write_notice([{"unit_name": UNIT_2[0], "uscc": UNIT_2[1], "dossier_id": "Y2-01"}], 2026, date(2026, 9, 28),
                 tmp_path)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "拟认定名单.docx")], check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", str(tmp_path / "拟认定名单.pdf"), "-"], capture_output=True, text=True).stdout
    _, last = _working_days_from(date(2026, 9, 28), 5)
    compact = "".join(text.split())
    assert f"至{last.year}年{last.month}月{last.day}日" in compact and UNIT_2[0] in compact and UNIT_2[1] in compact


# ------------------------------------------------------------------ keys, registry, migrations
def test_screen_with_store_refuses_without_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DOSSIER_SCREEN_STORE_KEY")
    (tmp_path / "batch").mkdir()
    from flows.cli import main

    code = main(["screen", str(tmp_path / "batch"), "--out", str(tmp_path / "o"), "--store", str(tmp_path / "s.sqlite")])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "DOSSIER_SCREEN_STORE_KEY" in lines[0]
    assert not (tmp_path / "o").exists()


def test_keygen_makes_a_private_key_and_never_overwrites(tmp_path):
    from store import load_key, new_key_file

    path = new_key_file(tmp_path / "keys" / "store.key")
    assert (path.stat().st_mode & 0o777) == 0o600 and len(load_key(path)) >= 32
    with pytest.raises(FileExistsError):
        new_key_file(path)


def test_hashes_depend_on_the_key():
    from store import Hasher

    a, b = Hasher(b"a" * 32), Hasher(b"b" * 32)
    pid = make_id(7)
    assert a("id", pid) == a("id", pid.lower() + " ") != b("id", pid)
    assert pid not in a("id", pid)


def test_registry_import_matches_members(backend, tmp_path):
    """A registry row of a 技师工作站 counts as a recognised station for cross-year findings."""
    target, raw = backend
    from store import open_store
    from validators.registry import load_registry

    p = people("钱", 3, 500)
    csv = tmp_path / "reg.csv"
    csv.write_text("单位名称,统一社会信用代码,项目类型,年度,成员身份证号码\n"
                   f"{UNIT_1[0]},{UNIT_1[1]},技师工作站,2024,{p[0]['id']};{make_id(1)}\n"
                   f"{UNIT_1B[0]},{UNIT_1B[1]},技师工作站,20X4,{make_id(2)}\n", encoding="utf-8")
    rows, errors = load_registry(csv)
    st = open_store(target)
    assert st.import_registry(rows, csv.name) == 1 and len(errors) == 1
    st.close()
    r = screen([dossier(tmp_path / "w", "Y2-09", UNIT_2, "44050160000000555444", p)], tmp_path / "o", "2026-05-20",
               target)["Y2-09"]
    dup = [f for f in r["flags"] if f["code"] == "DUPLICATE_PERSON"]
    assert len(dup) == 1 and "钱甲" in dup[0]["subject"] and "登记表" in dup[0]["detail"]
    st = open_store(target)
    assert [(i.station_unit, i.later_dossier) for i in st.action_items()] == [(UNIT_1[0], "Y2-09")]
    st.close()
    assert p[0]["id"] not in raw()


def test_alembic_command_line_upgrades_a_new_store(tmp_path):
    db = tmp_path / "cli.sqlite"
    from alembic.config import main

    main(argv=["-c", str(ROOT / "alembic.ini"), "-x", f"store={db}", "upgrade", "head"])  # as `alembic upgrade head`
    import sqlite3

    with sqlite3.connect(db) as c:
        tables = {r[0] for r in c.execute("select name from sqlite_master where type='table'")}
        version = c.execute("select version_num from alembic_version").fetchone()[0]
    assert {"screenings", "members", "page_images", "decisions", "objections", "registry_entries"} <= tables
    assert version == max(p.name[:4] for p in (ROOT / "store" / "migrations" / "versions").glob("0*.py"))


def test_a_recognised_applicant_answers_under_article_15_1():
    from validators.findings import Flag
    from validators.flags import crossyear as cy

    rec = DossierRecord(dossier_id="Y2-05", applicant=Applicant(name=UNIT_1[0], uscc=UNIT_1[1].lower()))
    station = cy.PriorDossier("screening:1", 2025, "Y1-01", UNIT_1[0], UNIT_1[1], "recognised")
    unrecognised = cy.PriorDossier("screening:2", 2025, "Y1-02", UNIT_1B[0], UNIT_1B[1], "not_recognised")
    prior = cy.Prior(stations={UNIT_1[1]: [station]})
    flags = [Flag("PDF_EDITED", "ART5.X", "medium", "a.pdf", "第五条：PDF 有修改"), Flag("FUNDING_CONFLICT", "ART10", "medium", "x", "第十条")]
    cy.cite_revocation(rec, prior, flags, 2026)
    assert "第十五条第（一）项" in flags[0].detail and "2025年（Y1-01）" in flags[0].detail
    assert "第十五条" not in flags[1].detail
    again = [Flag("PDF_EDITED", "ART5.X", "medium", "a.pdf", "第五条：PDF 有修改")]
    cy.cite_revocation(rec, prior, again, 2025)  # recognised the same year it applies: nothing earlier to revoke
    assert "第十五条" not in again[0].detail
    assert station.recognised_station and not unrecognised.recognised_station


@pytest.mark.parametrize("entries, expected", [
    ([{"dossier_id": "A", "stage": "综合评议", "decision": "符合"}, {"dossier_id": "A", "stage": "综合评议", "decision": "符合"}], "recognised"),
    ([{"dossier_id": "A", "stage": "综合评议", "decision": "符合"}, {"dossier_id": "A", "stage": "综合评议", "decision": "不符合"}], "not_recognised"),
    ([{"dossier_id": "A", "sheet": "综合评议", "outcome": "拟认定"}], "recognised"),
    ([{"dossier_id": "A", "stage": "综合评议", "decision": "需补正"}], None),
    ([{"dossier_id": "A", "stage": "资格初审", "decision": "符合"}], "absent"),
])
def test_outcome_read_by_field_name(entries, expected):
    from store.outcomes import dossier_outcomes

    got = dossier_outcomes(entries)
    assert (got.get("A", "absent") if expected == "absent" else got["A"]) == expected


@pytest.mark.parametrize("exact, proof", [(True, "two_documents"), (False, "single_ocr")])
def test_id_card_retyped_under_another_name_across_years(exact, proof):
    """One card's copy with another name and number: the same address and validity period as
    another person's card kept in the store. Only one scan is proof of reuse (flags.yaml), so
    this route is medium, as in the batch, resting on exact readings or on OCR."""
    from store import Hasher
    from validators.flags import crossyear as cy
    from validators.severity import settle

    h = Hasher(b"z" * 32)
    station = cy.PriorDossier("screening:3", 2025, "D06", UNIT_1[0], UNIT_1[1], "recognised")
    them, me = make_id(41), make_id(42)
    prior = cy.Prior(images=[cy.PriorImage(station, "成员/苏振宇.pdf", 1, "id_card", h("id", them), "0" * 16,
                                           card_key=h("card", cy.card_text("广东省普宁市河西村83号", "2013.09.03-2033.09.03")),
                                           card_exact=exact)])
    rec = DossierRecord("D07", applicant=Applicant(name=UNIT_2[0], uscc=UNIT_2[1]))
    rec.members = [Member(name="梁淑仪", id_number=me)]
    same = cy.CurrentCard("梁淑仪-身份证.jpg", 1, me, "广东省普宁市河西村83号", "2013.09.03—2033.09.03", exact)
    other_period = cy.CurrentCard("梁淑仪-身份证.jpg", 1, me, "广东省普宁市河西村83号", "2013.09.03-2043.09.03", exact)
    own_card = cy.CurrentCard("苏振宇.pdf", 1, them, "广东省普宁市河西村83号", "2013.09.03-2033.09.03", exact)
    flags = cy.id_card_flags(rec, [same, other_period, own_card], prior, h, set())
    settle(flags)
    assert [(f.code, f.severity, f.proof) for f in flags] == [("REUSED_IMAGE", "medium", [proof])]
    assert [(e.file, e.engine) for e in flags[0].evidence] == [("梁淑仪-身份证.jpg", "text"), ("成员/苏振宇.pdf", "case_store")]
    assert "第十五条第（一）项" in flags[0].detail


def test_store_commands_from_the_command_line(tmp_path, capsys):
    from flows.cli import main
    from store import open_store

    db = str(tmp_path / "cli.sqlite")
    p = people("周", 2, 800)
    csv = tmp_path / "reg.csv"
    csv.write_text("unit_name,uscc,programme,year,member_id_numbers\n"
                   f"{UNIT_1[0]},{UNIT_1[1]},技师工作站,2024,{p[0]['id']};{p[1]['id']}\n", encoding="utf-8")
    assert main(["registry", "import", str(csv), "--store", db]) == 0
    assert main(["registry", "export", str(tmp_path / "out.csv"), "--store", db]) == 0
    exported = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert UNIT_1[0] in exported and p[0]["id"] not in exported and p[0]["id"][-2:] in exported

    st = open_store(db)
    st.record_screening({"dossier_id": "Y1-03", "screened_at": "2026-05-20T10:00:00+08:00", "as_of": "2026-05-20",
                         "applicant": {"name": UNIT_2[0], "uscc": UNIT_2[1]}, "files": [], "flags": []}, 2026, None, [], {})
    st.record_decisions(2026, [{"dossier_id": "Y1-03", "sheet": "综合评议", "decision": "拟认定", "reviewer": "王"}])
    st.close()
    assert main(["notice", "--store", db, "--year", "2026", "--start", "2026-06-22", "--out", str(tmp_path / "n")]) == 0
    out = capsys.readouterr().out
    first, last = _working_days_from(date(2026, 6, 22), 5)
    assert f"{last.year}年{last.month}月{last.day}日" in out and "1 个单位" in out
    assert main(["actions", "--store", db, "--out", str(tmp_path / "a.xlsx")]) == 0
    assert (tmp_path / "a.xlsx").is_file()
    assert main(["notice", "--read-objections", str(tmp_path / "n" / "公示异议登记表.xlsx"), "--store", db,
                 "--year", "2026"]) == 0
    assert "0 条公示异议" in capsys.readouterr().out


def test_registry_table_checks_name_lines():
    from store.registry_check import check_registry
    from validators.registry import RegistryRow

    a, b = make_id(61), make_id(62)
    bad = a[:-1] + ("0" if a[-1] != "0" else "1")
    rows = [RegistryRow(UNIT_1[0], UNIT_1[1], "技师工作站", 2024, [a, b], 2),
            RegistryRow(UNIT_1[0], UNIT_1[1], "技师工作站", 2024, [a], 3),
            RegistryRow(UNIT_2[0], UNIT_2[1], "技能大师工作室", 2024, [b, bad], 4),
            RegistryRow(UNIT_2[0], UNIT_2[1], "技师工作站", 2025, [], 5)]
    notes = check_registry(rows)
    assert any(n.startswith("第2、3行") and "重复登记" in n for n in notes)
    assert any(n.startswith("第4行") and "GB 11643" in n for n in notes)
    assert any(n.startswith("第2、4行") and mask_id_(b) in n for n in notes)
    assert not any(a in n or b in n for n in notes) and len(notes) == 3


def mask_id_(v):
    from extractors.masking import mask_id

    return mask_id(v)
