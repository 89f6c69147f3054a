"""An on-disk memo for costly pure functions of page images.

Seal finding, error-level analysis, image fingerprints and pair alignment take most of a
batch's judging time, and they depend only on the page images and their parameters. With
the memo, a re-run or a batch with one dossier added recomputes only the pages (and page
pairs) it has not seen before.

The memo is off unless a folder is named in DOSSIER_SCREEN_PAGE_MEMO (the flow sets it to a
folder inside the output folder: the cached values describe personal documents). Off, the
decorated functions behave exactly as undecorated ones, which is what unit tests see.

Keys: the function's module and name, a hash of the module's source file (a changed
algorithm invalidates its entries), and the arguments, where a path to an existing file is
replaced by the hash of the file's bytes (the same page re-rendered to a new path still
hits; a rewritten file at the same path does not).
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import os
import pickle
import tempfile
import zlib
from pathlib import Path

ENV = "DOSSIER_SCREEN_PAGE_MEMO"
_COMPRESS_ABOVE = 64 * 1024


def memo_dir() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


@functools.lru_cache(maxsize=4096)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_digest(path: str | os.PathLike) -> str:
    st = os.stat(path)
    return _file_digest(os.fspath(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=None)
def _source_digest(source_file: str) -> str:
    return hashlib.sha256(Path(source_file).read_bytes()).hexdigest()[:16]


class _Unkeyable(Exception):
    pass


def _arg_key(value) -> str:
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        if len(text) < 4096 and os.path.isfile(text):
            return "file:" + file_digest(text)
        return "str:" + text
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_arg_key(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_arg_key(k)}:{_arg_key(v)}" for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))) + "}"
    if hasattr(value, "memo_key"):
        return "obj:" + value.memo_key()
    code = getattr(value, "__code__", None)
    if code is not None and not getattr(value, "__closure__", None):
        # A plain function (a test passed to the memoised one): named by its code, so two
        # lambdas of one module cannot share entries.
        return f"fn:{value.__module__}.{value.__qualname__}:" + hashlib.sha256(code.co_code + repr(code.co_consts).encode()).hexdigest()[:16]
    raise _Unkeyable(type(value).__name__)


def _load(path: Path):
    data = path.read_bytes()
    if data[:1] == b"z":
        data = zlib.decompress(data[1:])
    else:
        data = data[1:]
    return pickle.loads(data)


def _store(path: Path, value) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    # Encoded bytes (a review page's JPEG) are compressed already: zlib would only cost time.
    squeeze = len(data) > _COMPRESS_ABOVE and not isinstance(value, (bytes, bytearray))
    blob = b"z" + zlib.compress(data, 1) if squeeze else b"p" + data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
    os.replace(tmp, path)


def page_memo(fn):
    """Memoise `fn` on disk when the memo folder is set (see the module docstring)."""
    source = inspect.getsourcefile(fn) or ""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        root = memo_dir()
        if root is None:
            return fn(*args, **kwargs)
        try:
            parts = [name, _source_digest(source) if source else "", *map(_arg_key, args),
                     *(f"{k}={_arg_key(v)}" for k, v in sorted(kwargs.items()))]
        except (_Unkeyable, OSError):
            return fn(*args, **kwargs)
        key = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
        path = root / fn.__name__ / key[:2] / key
        try:
            return _load(path)
        except FileNotFoundError:
            pass
        except Exception:  # a torn or foreign file: recompute and overwrite
            pass
        value = fn(*args, **kwargs)
        try:
            _store(path, value)
        except (OSError, pickle.PicklingError, TypeError):
            pass  # not storable (or disk full): the value is still right
        return value

    wrapper.uncached = fn
    return wrapper
