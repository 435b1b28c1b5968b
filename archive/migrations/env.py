"""Alembic environment: runs on the engine the app hands over, or on POLICY_ARCHIVE_DB / alembic.ini's URL."""

from alembic import context

from archive.db import default_url, include_name, make_engine
from archive.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("connection_engine")
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or default_url())
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # batch migrations recreate tables; with foreign keys on, dropping a referenced table fails. The pragma
            # only takes effect outside a transaction, so it goes to the driver connection before BEGIN.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            # The whole upgrade is one transaction, begun here so Alembic runs inside it. On SQLite Alembic would
            # otherwise commit after every script (it treats SQLite DDL as non-transactional), and a second process
            # starting on the same fresh file could run a script the first had already applied between commits.
            # BEGIN IMMEDIATE (SQLite) or the advisory lock (PostgreSQL) makes the second one wait, then find the
            # schema at head.
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7264001)")
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    render_as_batch=sqlite,
                    compare_type=True,
                    include_name=include_name,
                )
                context.run_migrations()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url") or default_url(), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
