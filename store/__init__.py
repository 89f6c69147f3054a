"""The case store: every screening, its documents' and pages' fingerprints, members,
identifiers (keyed hashes and masked forms only), flags, the reviewers' decisions, the
registry and the notice's objections, kept per year in SQLite or PostgreSQL.

Names are imported on first use: `alembic` and the CLI's key check need only the light parts."""
from importlib import import_module

_WHERE = {"Hasher": "store.keys", "MissingKey": "store.keys", "load_key": "store.keys", "new_key_file": "store.keys",
          "default_path": "store.location", "display": "store.location", "store_url": "store.location",
          "Store": "store.repo", "open_store": "store.repo"}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(name)
