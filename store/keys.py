"""The bureau's key for the case store's keyed hashes of ID and account numbers.

An ID number has few enough possible values that a plain hash is reversed by trying them
all; an HMAC under a key kept outside the database is not. The key belongs to the bureau:
it is read from DOSSIER_SCREEN_STORE_KEY (the key itself) or DOSSIER_SCREEN_STORE_KEY_FILE
(a file holding it), never generated behind the clerk's back and never stored in the repo or
beside the data it protects (a key copied with the database protects nothing).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

ENV_KEY = "DOSSIER_SCREEN_STORE_KEY"
ENV_KEY_FILE = "DOSSIER_SCREEN_STORE_KEY_FILE"
MIN_KEY_CHARS = 32


class MissingKey(Exception):
    """No usable key: the message is the one line the CLI prints."""


def load_key(key_file: str | Path | None = None) -> bytes:
    raw = os.environ.get(ENV_KEY)
    source = f"环境变量 {ENV_KEY}"
    path = key_file or os.environ.get(ENV_KEY_FILE)
    if not raw and path:
        source = f"密钥文件 {path}"
        try:
            raw = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise MissingKey(f"无法读取案卷库密钥文件 {path}：{exc.strerror or exc}") from None
    if not raw:
        raise MissingKey(f"未设置案卷库密钥：请设置 {ENV_KEY}，或用 {ENV_KEY_FILE} 指向局里保管的密钥文件"
                         f"（新建密钥：dossier-screen store keygen 文件路径）")
    raw = raw.strip()
    if len(raw) < MIN_KEY_CHARS:
        raise MissingKey(f"{source}中的案卷库密钥过短（至少 {MIN_KEY_CHARS} 个字符）")
    return raw.encode("utf-8")


def new_key_file(path: str | Path) -> Path:
    """A new random key in a file only its owner can read (0600); never overwrites one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return path


class Hasher:
    """Keyed hashes (HMAC-SHA256) of identifiers, normalised first so that spacing, case
    and grouping of digits do not change the hash."""

    def __init__(self, key: bytes):
        self._key = key

    def __call__(self, kind: str, value: str | None) -> str | None:
        if not value:
            return None
        norm = re.sub(r"[\s\-]", "", str(value)).upper()
        if not norm:
            return None
        return hmac.new(self._key, f"{kind}:{norm}".encode("utf-8"), hashlib.sha256).hexdigest()
