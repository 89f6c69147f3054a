"""Run settings, and the environment Prefect must see before it is imported.

Prefect keeps its database, logs and persisted task results under PREFECT_HOME. Those hold
personal data (OCR text, names), so by default they go under the output folder the user
named, never a shared home directory.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

CODE_VERSION = "0.1.0"


@dataclass(frozen=True)
class RunSettings:
    batch_dir: str
    out_dir: str
    as_of: str  # ISO date
    registry: str | None = None
    intake_date: str | None = None  # ISO; the Art. 6 deadlines run from receipt (default: as-of)
    ocr_engine: str = "rapidocr"
    crosscheck_engine: str | None = "tesseract"
    ocr_timeout: float = 60.0
    dpi: int = 300
    workers: int = 0  # 0: one per core
    dask_address: str | None = None
    progress: bool = True
    store: str | None = None  # case store path or URL ("" = the default file); None = no store

    @property
    def work_dir(self) -> Path:
        return Path(self.out_dir) / ".work"

    @property
    def cache_dir(self) -> Path:
        return Path(self.out_dir) / ".cache"

    def worker_count(self) -> int:
        return self.workers or (os.cpu_count() or 2)

    def extraction_key(self) -> str:
        """What, besides a dossier's own bytes, decides its extraction result."""
        from flows.code_digest import code_digest

        parts = [CODE_VERSION, code_digest("extractors", "flows/pipeline.py", "validators/identifiers", "validators/flags/documents.py"), self.ocr_engine, str(self.crosscheck_engine), str(self.dpi)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        return asdict(self)


def crosscheck_engine_for(engine: str) -> str:
    """The engine that re-reads critical numbers: always the other one."""
    return "rapidocr" if engine == "tesseract" else "tesseract"


def prepare_prefect_environment(out_dir: Path) -> None:
    """Point Prefect's home, database and result storage into OUT_DIR/.prefect.

    Must run before `import prefect`. A user who configured Prefect (a server URL or their
    own PREFECT_HOME) keeps their configuration.
    """
    home = out_dir / ".prefect"
    home.mkdir(parents=True, exist_ok=True)
    ours = not any(os.environ.get(k) for k in ("PREFECT_HOME", "PREFECT_API_URL", "PREFECT_API_DATABASE_CONNECTION_URL"))
    os.environ.setdefault("PREFECT_HOME", str(home))
    if ours:
        from flows.prefect_template import seed_home

        if seed_home(home):
            # The template's block types are already registered in this database.
            os.environ.setdefault("PREFECT_SERVER_REGISTER_BLOCKS_ON_START", "false")
    os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", str(out_dir / ".cache" / "prefect-results"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY", "false")
    os.environ.setdefault("PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The temporary server logs cancelled event flushes at shutdown as errors: noise, not faults.
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    # Tesseract spawns one OpenMP team per call; the thread pool already uses every core.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
