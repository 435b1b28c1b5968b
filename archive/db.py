"""Engines, sessions and schema migration for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def data_home() -> Path:
    """POLICY_ARCHIVE_HOME (default ./var) holds the default database and crawl state."""
    return Path(os.environ.get("POLICY_ARCHIVE_HOME") or "var")


def default_url() -> str:
    return os.environ.get("POLICY_ARCHIVE_DB") or f"sqlite:///{data_home() / 'archive.sqlite3'}"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """APScheduler owns its job table, and the search index is dialect DDL (FTS5 / tsvector) outside the models:
    keep both out of autogenerate and drift checks."""
    if type_ == "table" and name is not None:
        return name != "apscheduler_jobs" and not name.startswith(("search_fts", "search_tsv"))
    return not (type_ == "index" and (name or "").startswith("ix_search_tsv_"))


class DatabaseError(RuntimeError):
    """The database cannot be used (bad URL, unwritable file, failed migration)."""


def _sqlite_setup(engine: Engine) -> None:
    """WAL + busy timeout, and BEGIN IMMEDIATE so concurrent writers queue instead of failing with 'locked'."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event emit BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        # readers (exports, search) take no write lock: in WAL mode they see a snapshot and never block a crawl
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("archive_read") else "BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    url = url or default_url()
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise DatabaseError(f"invalid database URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create the database folder for {url!r}: {exc}") from exc
        engine = create_engine(parsed, connect_args={"timeout": 30})
        _sqlite_setup(engine)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


class Database:
    """One engine and its session factory; `unit_of_work()` is the only way code writes."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = url or default_url()
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.engine.execution_options(archive_read=True), expire_on_commit=False)
        if migrate:
            upgrade(self.engine)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work: on SQLite a deferred transaction, so it never waits for or blocks writers."""
        with self._readers.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine | None = None):  # noqa: ANN201 - alembic type is imported lazily
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["connection_engine"] = engine
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), revision)
    except Exception as exc:
        raise DatabaseError(f"cannot migrate database {engine.url!r}: {exc}") from exc
