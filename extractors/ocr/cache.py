"""Disk cache of OCR results keyed on what determines them: image bytes, engine, engine
version and settings. A file path is not a key (DESIGN.md: the same name may hold another
scan on a rerun, and the same scan may come under two names)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from extractors.ocr.engine import OcrResult


def image_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_key(digest: str, engine: str, version: str, settings: dict) -> str:
    blob = json.dumps({"img": digest, "engine": engine, "version": version, "settings": settings},
                      sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / key[:2] / f"{key}.json"


def load(cache_dir: Path | None, key: str) -> OcrResult | None:
    if cache_dir is None:
        return None
    p = _path(cache_dir, key)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    res = OcrResult.from_json(data)
    res.cached = True
    return res


def store(cache_dir: Path | None, key: str, result: OcrResult) -> None:
    # Errors are not cached: a timeout on a busy machine should be retried next run.
    if cache_dir is None or result.error:
        return
    p = _path(cache_dir, key)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result.to_json(), ensure_ascii=False), encoding="utf-8")
    tmp.replace(p)  # atomic: parallel workers never see half a file
