"""Where the case store lives: a SQLite file by default, a PostgreSQL server by URL."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

ENV_STORE = "DOSSIER_SCREEN_STORE"


def default_path() -> Path:
    """$XDG_DATA_HOME/dossier-screen/store.sqlite (~/.local/share/… when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dossier-screen" / "store.sqlite"


def store_url(target: str | os.PathLike | None) -> str:
    """An SQLAlchemy URL for `--store`: a URL is taken as given (postgresql+psycopg://…),
    anything else is a SQLite file path (its folder is created)."""
    target = str(target) if target else os.environ.get(ENV_STORE) or str(default_path())
    if "://" in target:
        url = make_url(target)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    path = Path(target).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def display(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)
