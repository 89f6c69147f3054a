"""An empty, migrated Prefect database, made once at install, copied into each new output folder.

Prefect's home (its SQLite database) lives in OUT_DIR/.prefect, so every new output folder
starts a database from nothing, and the temporary server then runs every Alembic migration
and registers every block type before the flow starts: about 12 s here, on a run whose OCR
takes two minutes. The migrated schema holds nothing of any run, so one copy made at install
(`python -m flows.prefect_template`, called by scripts/install.sh) serves every folder.

Without the template (not built, or another Prefect version) Prefect migrates as before.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

# Beside the database it was copied to: the block types are already in that database.
MARKER = "from-template"


def template_path() -> Path:
    return Path(sys.prefix) / "share" / "dossier-screen" / f"prefect-{version('prefect')}.db"


def seed_home(home: Path) -> bool:
    """Copy the template into `home` when it has no database yet. True when `home`'s database
    came from the template (now or on an earlier run): its block types are registered."""
    db = home / "prefect.db"
    if db.exists():
        return (home / MARKER).exists()
    template = template_path()
    if not template.is_file():
        return False
    tmp = db.with_suffix(".db.tmp")
    try:
        shutil.copyfile(template, tmp)
        os.replace(tmp, db)
        (home / MARKER).write_text(template.name + "\n", encoding="utf-8")
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True


_START_SERVER = """
from prefect.client.orchestration import get_client
with get_client(sync_client=True) as client:
    client.hello()
"""


def build(dest: Path | None = None) -> Path:
    """Start Prefect's temporary server once on an empty home (it migrates the database and
    registers block types; no flow runs), then copy the database with SQLite's backup API
    (which folds in the write-ahead log)."""
    dest = dest or template_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prefect-template-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(PREFECT_HOME=home, PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING",
                   PREFECT_SERVER_LOGGING_LEVEL="CRITICAL", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
        subprocess.run([sys.executable, "-c", _START_SERVER], env=env, check=True, timeout=600,
                       stdout=subprocess.DEVNULL)
        tmp = dest.with_suffix(".db.tmp")
        src = sqlite3.connect(Path(home) / "prefect.db")
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
        finally:
            out.close()
            src.close()
        os.replace(tmp, dest)
    return dest


if __name__ == "__main__":
    path = template_path()
    if "--force" in sys.argv[1:] or not path.is_file():
        build(path)
    print(f"Prefect database template: {path}")
