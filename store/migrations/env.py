"""Alembic environment of the case store. Applied programmatically on open (store.open_store
passes its connection), or from the command line: `alembic upgrade head` in the repository,
with the store given as `-x store=PATH_OR_URL`, DOSSIER_SCREEN_STORE, or the default file."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from store.location import store_url
from store.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return store_url(context.get_x_argument(as_dictionary=True).get("store") or config.get_main_option("sqlalchemy.url") or None)


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
