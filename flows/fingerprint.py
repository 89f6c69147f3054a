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

    def pages_of(self, key: str) -> int | None:
        """The cached record's page count, or None when there is no usable record (the
        record is read and dropped: a resumed run checks each one without holding them)."""
        record = self.get(key)
        return None if record is None else len(record.pages)


class StoredRecords:
    """A batch's records in batch order, each loaded from the cache when it is reached and
    dropped after: what the batch index and the report stage iterate, so that the memory a
    run holds does not grow with the batch. Records a stage failed on (small: no pages)
    are held as they are. Iterating twice loads twice."""

    def __init__(self, cache: RecordCache, keys: list[tuple[str, str]], failed: dict[str, DossierRecord]):
        self.cache, self.keys, self.failed = cache, keys, failed

    @property
    def ids(self) -> list[str]:
        return [did for did, _ in self.keys]

    def __len__(self) -> int:
        return len(self.keys)

    def key_of(self, dossier_id: str) -> str:
        return dict(self.keys)[dossier_id]

    def load(self, dossier_id: str, key: str) -> DossierRecord:
        if dossier_id in self.failed:
            return self.failed[dossier_id]
        record = self.cache.get(key)
        if record is None:
            from extractors.isolation import dossier_reason

            # Its pickle or page images were removed while the run went on.
            return DossierRecord(dossier_id=dossier_id, error=dossier_reason("extract", FileNotFoundError("抽取结果缓存缺失")))
        # Dossiers of the same bytes (one submission filed twice under two names) share a
        # cached record; each is still screened, and cross-checked, under its own name.
        record.dossier_id = dossier_id
        return record

    def __iter__(self):
        for did, key in self.keys:
            yield self.load(did, key)
