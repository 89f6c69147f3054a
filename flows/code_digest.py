"""What version of the code produced a cached result.

A cached record or report is only valid for the code that made it: a fixed extraction
pattern must reach every dossier on the next run, not just the new ones. So the cache keys
hash the source and data files of the packages whose output they store, not a version
string someone must remember to bump.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".csv", ".txt"}


@lru_cache(maxsize=None)
def code_digest(*parts: str) -> str:
    """Hash of every source and data file under the named packages or files (relative to
    the project root)."""
    h = hashlib.sha256()
    for name in sorted(parts):
        base = ROOT / name
        for path in [base] if base.is_file() else sorted(base.rglob("*")):
            if path.suffix in _SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                h.update(str(path.relative_to(ROOT)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:16]
