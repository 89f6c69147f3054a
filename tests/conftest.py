from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BATCH = ROOT / "sample_dossiers" / "batch"
SAMPLE_TRUTH = ROOT / "sample_dossiers" / "batch_truth"
SAMPLE_REGISTRY = ROOT / "sample_dossiers" / "registry.csv"
SAMPLE_AS_OF = "2026-05-20"


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run_cli(args: list[str], env_extra: dict | None = None, timeout: int = 1500) -> subprocess.CompletedProcess:
    # A developer's own Prefect settings must not leak into what the tests check.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def screened_sample(tmp_path_factory):
    """The committed sample batch screened once, with the real OCR engine, for all e2e tests."""
    if not SAMPLE_BATCH.is_dir():
        pytest.fail("sample batch missing: run python -m sample_dossiers.generator (see sample_dossiers/README.md)")
    out = tmp_path_factory.mktemp("screen-out")
    home = tmp_path_factory.mktemp("home")
    before = tree_hashes(SAMPLE_BATCH)
    proc = run_cli(["screen", str(SAMPLE_BATCH), "--out", str(out), "--as-of", SAMPLE_AS_OF,
                    "--registry", str(SAMPLE_REGISTRY)],
                   env_extra={"HOME": str(home)})
    after = tree_hashes(SAMPLE_BATCH)
    return {"out": out, "home": home, "proc": proc, "before": before, "after": after}
