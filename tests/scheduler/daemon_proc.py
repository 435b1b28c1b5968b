"""Start `policy-archive run` as a real process and wait on the database it writes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Callable

from tests.conftest import CLI, REPO, Cli

SECRET = "s3cret-for-tests"


def start_daemon(cli: Cli, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, "POLICY_ARCHIVE_HOME": str(cli.home), "POLICY_ARCHIVE_WEBHOOK_SECRET": SECRET,
                "POLICY_ARCHIVE_RETRY_SECONDS": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.Popen([*CLI, "-v", "--db", cli.db_url, "--sources", str(cli.sources), "run", "--source", "demo",
                             "--jitter", "0", "--lease-ttl", "3", "--notify-interval", "0.5", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, cwd=REPO)


def query(cli: Cli, sql: str) -> list[tuple]:
    if not cli.db_url.startswith("sqlite"):
        return _query_server(cli.db_url, sql)
    try:
        with sqlite3.connect(cli.db_url.removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # not migrated yet


def _query_server(url: str, sql: str) -> list[tuple]:
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    from archive.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    except ProgrammingError:
        return []  # not migrated yet
    finally:
        engine.dispose()


def wait_for(what: str, check: Callable[[], object], timeout: float = 120, proc: subprocess.Popen | None = None
             ) -> object:
    """Liveness only: generous bounds, no timing assertions."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"daemon exited {proc.returncode} while waiting for {what}:\n{proc.stderr.read()}")
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    import signal

    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err
