"""Atomic output: a run that dies leaves the previous complete outputs (CONTRACT.md).

A dossier's outputs are written into `<id>.tmp-XXXX` beside the final folder and swapped
in by renames; single summary files are written to a temp file and `os.replace`d.
Renames within one directory are atomic on POSIX, copies are not: temp paths are
always created in the destination's own directory for that reason.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

TMP_MARK = ".tmp-"
OLD_SUFFIX = ".old"


def swap_into_place(new_dir: Path, final: Path) -> None:
    """Replace `final` by `new_dir`: final -> final.old, new -> final, remove old.

    Between the two renames `final` is briefly absent but `final.old` is complete;
    `recover()` puts it back if the process dies right there.
    """
    new_dir, final = Path(new_dir), Path(final)
    old = final.with_name(final.name + OLD_SUFFIX)
    if old.exists():  # leftover of a run that died after a completed swap
        shutil.rmtree(old)
    if final.exists():
        os.replace(final, old)
    os.replace(new_dir, final)
    if old.exists():
        shutil.rmtree(old)


@contextmanager
def staging_dir(final: Path) -> Iterator[Path]:
    """Yield a fresh temp folder beside `final`; swap it in if the block succeeds,
    delete it if the block raises (the previous outputs stay untouched)."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=final.name + TMP_MARK, dir=final.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_into_place(tmp, final)


def recover(out_dir: Path) -> list[str]:
    """Clean up after a run that died: restore `X.old` where `X` is missing, drop temp
    folders and files. Returns what was done (for the log)."""
    out_dir = Path(out_dir)
    done: list[str] = []
    if not out_dir.is_dir():
        return done
    for p in sorted(out_dir.iterdir()):
        if p.name.endswith(OLD_SUFFIX) and p.is_dir():
            final = p.with_name(p.name[: -len(OLD_SUFFIX)])
            if final.exists():
                shutil.rmtree(p)
                done.append(f"removed {p.name}")
            else:
                os.replace(p, final)
                done.append(f"restored {final.name}")
        elif TMP_MARK in p.name:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            done.append(f"removed {p.name}")
    return done


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp file path beside `path` for a writer that wants a file name
    (openpyxl's save); it replaces `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + TMP_MARK, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes(path, text.encode(encoding))


def write_json(path: Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


# The name flows/outputs.py imports.
atomic_dir = staging_dir
