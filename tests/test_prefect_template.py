"""A new output folder's Prefect database starts from the install-time template."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from flows import prefect_template
from flows.settings import prepare_prefect_environment


def _fake_template(tmp_path: Path) -> Path:
    path = tmp_path / "share" / "prefect-x.db"
    path.parent.mkdir(parents=True)
    con = sqlite3.connect(path)
    con.execute("create table alembic_version (version_num text)")
    con.execute("insert into alembic_version values ('head')")
    con.commit()
    con.close()
    return path


def _clear_prefect_env(monkeypatch):
    # A copy without Prefect's variables: what prepare_prefect_environment sets stays in
    # this test, not in the process other tests import Prefect into.
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")})


def test_a_new_folder_gets_the_template_and_skips_block_registration(tmp_path, monkeypatch):
    _clear_prefect_env(monkeypatch)
    template = _fake_template(tmp_path)
    monkeypatch.setattr(prefect_template, "template_path", lambda: template)
    out = tmp_path / "out"
    prepare_prefect_environment(out)
    db = out / ".prefect" / "prefect.db"
    assert db.read_bytes() == template.read_bytes()
    assert os.environ["PREFECT_SERVER_REGISTER_BLOCKS_ON_START"] == "false"
    assert os.environ["PREFECT_HOME"] == str(out / ".prefect")


def test_an_existing_database_is_never_replaced(tmp_path, monkeypatch):
    _clear_prefect_env(monkeypatch)
    template = _fake_template(tmp_path)
    monkeypatch.setattr(prefect_template, "template_path", lambda: template)
    home = tmp_path / "out" / ".prefect"
    home.mkdir(parents=True)
    (home / "prefect.db").write_bytes(b"runs of an earlier screening")
    prepare_prefect_environment(tmp_path / "out")
    assert (home / "prefect.db").read_bytes() == b"runs of an earlier screening"
    # Not from the template: Prefect registers its block types as usual.
    assert "PREFECT_SERVER_REGISTER_BLOCKS_ON_START" not in os.environ


def test_without_a_template_prefect_migrates_as_before(tmp_path, monkeypatch):
    _clear_prefect_env(monkeypatch)
    monkeypatch.setattr(prefect_template, "template_path", lambda: tmp_path / "missing.db")
    prepare_prefect_environment(tmp_path / "out")
    assert not (tmp_path / "out" / ".prefect" / "prefect.db").exists()
    assert "PREFECT_SERVER_REGISTER_BLOCKS_ON_START" not in os.environ


@pytest.mark.parametrize("var", ["PREFECT_HOME", "PREFECT_API_URL"])
def test_a_users_own_prefect_configuration_is_left_alone(tmp_path, monkeypatch, var):
    _clear_prefect_env(monkeypatch)
    template = _fake_template(tmp_path)
    monkeypatch.setattr(prefect_template, "template_path", lambda: template)
    monkeypatch.setenv(var, str(tmp_path / "theirs") if var == "PREFECT_HOME" else "http://127.0.0.1:4200/api")
    prepare_prefect_environment(tmp_path / "out")
    assert not (tmp_path / "out" / ".prefect" / "prefect.db").exists()


def test_the_installed_template_is_migrated_and_holds_no_runs():
    """scripts/install.sh builds it; a checkout installed some other way has none."""
    path = prefect_template.template_path()
    if not path.is_file():
        pytest.skip("no template built (scripts/install.sh builds it)")
    con = sqlite3.connect(path)
    try:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        assert {"alembic_version", "flow_run", "task_run", "block_type"} <= tables
        assert con.execute("select count(*) from flow_run").fetchone()[0] == 0
        assert con.execute("select count(*) from task_run").fetchone()[0] == 0
        assert con.execute("select count(*) from block_type").fetchone()[0] > 0
    finally:
        con.close()
