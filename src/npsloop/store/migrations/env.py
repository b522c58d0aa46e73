"""Alembic environment: the URL comes from the caller (npsloop db upgrade), never from a file."""

from __future__ import annotations

from alembic import context

from npsloop.store.database import make_engine, private_sqlite_file
from npsloop.store.tables import metadata

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL given to the migrations")

engine = make_engine(url) if not url.startswith("sqlite") else None
if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    import sqlalchemy as sa

    if engine is None:
        private_sqlite_file(url)
    connectable = engine or sa.create_engine(url)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()
