"""The command line: refusing to run is a one-line reason and a non-zero exit."""
from __future__ import annotations

import os

from tests.conftest import run_cli


def test_missing_batch_dir_is_a_clean_error(tmp_path):
    proc = run_cli(["screen", str(tmp_path / "nope"), "--out", str(tmp_path / "out")], timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "批次目录不存在" in proc.stderr


def test_bad_as_of_date(tmp_path):
    (tmp_path / "batch").mkdir()
    proc = run_cli(["screen", str(tmp_path / "batch"), "--out", str(tmp_path / "out"), "--as-of", "2026-13-01"], timeout=120)
    assert proc.returncode != 0 and "--as-of" in proc.stderr


def test_missing_ocr_engine(tmp_path):
    (tmp_path / "batch").mkdir()
    env = {"PATH": "/nonexistent"}
    proc = run_cli(["screen", str(tmp_path / "batch"), "--out", str(tmp_path / "out")], env_extra=env, timeout=120)
    assert proc.returncode != 0 and "tesseract" in proc.stderr


def test_output_inside_batch_refused(tmp_path):
    (tmp_path / "batch").mkdir()
    proc = run_cli(["screen", str(tmp_path / "batch"), "--out", str(tmp_path / "batch" / "out")], timeout=120)
    assert proc.returncode != 0 and "输出目录" in proc.stderr


def _processes_with_home(home: str) -> list[int]:
    """Processes whose environment points PREFECT_HOME at `home` (Linux /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
        except OSError:
            continue
        if f"PREFECT_HOME={home}".encode() in env:
            pids.append(int(entry))
    return pids


def test_a_finished_screening_exits_with_its_outputs_written_and_its_server_stopped(tmp_path):
    """The command leaves without Python's teardown (flows.cli.console): what must happen at
    exit still happens — the summary is on disk, the exit code is the run's, and the run's
    temporary Prefect server is gone."""
    import time

    if not os.path.isdir("/proc"):
        import pytest

        pytest.skip("needs /proc to find the server process")
    (tmp_path / "batch").mkdir()
    out = tmp_path / "out"
    proc = run_cli(["screen", str(tmp_path / "batch"), "--out", str(out), "--quiet"], timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "summary.xlsx").is_file() and "已筛查 0 份卷宗" in proc.stdout
    home = str(out / ".prefect")
    deadline = time.monotonic() + 10
    while _processes_with_home(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_with_home(home) == []


def test_a_batch_unpacked_with_its_gbk_names_is_screened_under_them(tmp_path):
    """A batch folder, a dossier and its files named in GBK bytes (a Windows zip unpacked by
    a tool that kept them): screened, not crashed, and named in the outputs as they read."""
    import json

    from tests.fixtures.ingest import builders as b

    def gbk(parent, name):
        return parent / os.fsdecode(name.encode("gbk"))

    dossier = gbk(gbk(tmp_path, "2026年申报"), "鑫源五金厂")
    dossier.mkdir(parents=True)
    b.text_pdf(gbk(dossier, "营业执照.pdf"), ["营业执照 统一社会信用代码 91440608MA4X1234XY"])
    out = tmp_path / "out"
    proc = run_cli(["screen", str(dossier.parent), "--out", str(out), "--quiet", "--as-of", "2026-05-20"], timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [d["dossier_id"] for d in summary["dossiers"]] == ["鑫源五金厂"] and summary["batch"] == "2026年申报"
    result = json.loads((out / "鑫源五金厂" / "result.json").read_text(encoding="utf-8"))
    assert [(f["file"], f.get("error_code")) for f in result["files"]] == [("营业执照.pdf", None)]


def test_a_dossier_beside_its_zip_and_its_copy_each_screened_under_its_own_name(tmp_path):
    """D01/ beside the D01.zip it was unpacked from, and a copy of D01/ under another name:
    no dossier overwrites another's outputs (the zip and the folder share a stem, the copy
    shares the folder's bytes), and the copies are told to the reviewer as such."""
    import json
    import shutil
    import zipfile

    from tests.fixtures.ingest import builders as b

    batch = tmp_path / "batch"
    (batch / "D01").mkdir(parents=True)
    b.text_pdf(batch / "D01" / "营业执照.pdf", ["营业执照 名称 佛山市高明区甲公司 统一社会信用代码 91440608MA4X1234XY"])
    shutil.copytree(batch / "D01", batch / "D01副本")
    other = b.text_pdf(tmp_path / "licence.pdf", ["营业执照 名称 佛山市高明区乙公司"])
    with zipfile.ZipFile(batch / "D01.zip", "w") as zf:
        zf.write(other, "营业执照.pdf")
    out = tmp_path / "out"
    proc = run_cli(["screen", str(batch), "--out", str(out), "--quiet", "--as-of", "2026-05-20"], timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [d["dossier_id"] for d in summary["dossiers"]] == ["D01", "D01.zip", "D01副本"]
    results = {d: json.loads((out / d / "result.json").read_text(encoding="utf-8")) for d in ("D01", "D01.zip", "D01副本")}
    assert {d: r["dossier_id"] for d, r in results.items()} == {d: d for d in results}
    assert "乙公司" in json.dumps(results["D01.zip"], ensure_ascii=False)
    same = {d: [w for w in r["warnings"] if "文件内容完全相同" in w] for d, r in results.items()}
    assert same["D01.zip"] == [] and "D01副本" in same["D01"][0] and "D01" in same["D01副本"][0]
