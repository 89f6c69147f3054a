"""Content fingerprints that key the resumable caches."""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from extractors.records import DossierRecord


def dossier_fingerprint(src: Path, settings_key: str) -> str:
    """Hash of every file's relative name and bytes, plus the settings that shape extraction."""
    h = hashlib.sha256(settings_key.encode())
    paths = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file() and not p.is_symlink())
    for p in paths:
        h.update(str(p.relative_to(src) if p != src else p.name).encode("utf-8", "surrogateescape"))
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


class RecordCache:
    """Extracted dossier records on disk, keyed by fingerprint (inside the output folder:
    they hold personal data)."""

    def __init__(self, root: Path):
        self.root = root / "records"

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.pkl"

    def get(self, key: str) -> DossierRecord | None:
        path = self._path(key)
        if not path.exists():
            return None
        try:
            with open(path, "rb") as fh:
                record = pickle.load(fh)
        except Exception:
            return None
        # Page images live in the work folder; a record whose images are gone is stale.
        if any(p.image_path and not Path(p.image_path).exists() for p in record.pages):
            return None
        return record

    def put(self, key: str, record: DossierRecord) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self._path(key).with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(record, fh)
        tmp.replace(self._path(key))
