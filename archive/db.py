"""Engines, sessions and schema migration for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported when a database is opened: `--help` and `data_home()` need none of it
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

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
    from sqlalchemy import event

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
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

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
        from sqlalchemy.orm import sessionmaker

        self.url = url or default_url()
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.engine.execution_options(archive_read=True), expire_on_commit=False)
        if migrate and not at_head(self.engine):
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


_REVISION = re.compile(r"""^revision\b[^=]*=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=]*=(.*)$", re.MULTILINE)


def head_revisions() -> frozenset[str]:
    """The heads of the migration scripts, read from their `revision` / `down_revision` lines without Alembic (whose
    import and script scan cost every command a tenth of a second). Empty when a script does not read plainly."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return frozenset()
        revisions.add(revision.group(1))
        parents.update(re.findall(r"""['"]([^'"]+)['"]""", down.group(1)))
    return frozenset(revisions - parents)


def at_head(engine: Engine) -> bool:
    """Whether the database's alembic_version rows are exactly the scripts' heads: then there is nothing to migrate.
    Any doubt (no version table, unreadable scripts, an unreachable server) says no, and `upgrade` decides."""
    heads = head_revisions()
    if not heads:
        return False
    try:
        # a read: on SQLite a deferred BEGIN, so the check never queues behind a crawl's write transaction
        with engine.execution_options(archive_read=True).connect() as conn:
            versions = {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    except Exception:  # noqa: BLE001 - whatever went wrong, the full upgrade reports it properly
        return False
    return versions == heads


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), revision)
    except Exception as exc:
        raise DatabaseError(f"cannot migrate database {engine.url!r}: {exc}") from exc
