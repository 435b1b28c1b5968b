"""One crawl of one source, in a child process with a wall-clock limit, recorded as a CrawlRun row."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.db import Database, data_home
from archive.queries import run_record
from archive.store import ensure_source, finish_run, run_counts, start_run
from crawler.sources import Source

logger = logging.getLogger(__name__)

Progress = Callable[[dict[str, int]], None]
GRACE_SECONDS = 10


@dataclass
class CrawlRequest:
    source: Source
    sources_path: Path
    trigger: str = "manual"
    max_pages: int = 0
    time_limit: int | None = None  # seconds; default from the source
    backfill: bool = False  # walk every listing page instead of stopping at the first all-known one


def _log_path(source: str, run_id: int) -> Path:
    path = data_home() / "logs" / source / f"run-{run_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets Scrapy close the spider; SIGKILL after a grace period for one that will not stop."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait(db: Database, proc: subprocess.Popen[bytes], run_id: int, limit: int,
          progress: Progress | None) -> str | None:
    """Wait for the child; returns 'timeout' when it ran past its limit, else None."""
    deadline = time.monotonic() + limit
    while proc.poll() is None:
        if time.monotonic() > deadline:
            _stop(proc)
            return "timeout"
        if progress:
            with db.unit_of_work() as session:
                progress(run_counts(session, run_id))
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(0.5)
    return None


def _verdict(code: int | None, timed_out: bool, counts: dict[str, int], limit: int, log: Path) -> tuple[str, str]:
    if timed_out:
        return "timeout", f"killed after the {limit}s time limit"
    if code != 0:
        return "failed", f"crawler exited with code {code}: {_tail(log)}"
    if counts["pages"] and counts["errors"] == counts["pages"]:
        return "failed", f"all {counts['pages']} fetches failed (source unreachable or blocked)"
    if not counts["pages"]:
        return "failed", "nothing was fetched"
    return "ok", f"{counts['pages']} fetches, {counts['errors']} errors"


def run_crawl(db: Database, request: CrawlRequest, progress: Progress | None = None) -> dict[str, Any]:
    """Runs a crawl to completion (or its time limit) and returns the finished run as a record."""
    source = request.source
    with db.unit_of_work() as session:
        run_id = start_run(session, ensure_source(session, source.name, source.title), request.trigger,
                           pid=os.getpid()).id
    limit = request.time_limit or source.time_limit_seconds
    log = _log_path(source.name, run_id)
    cmd = [sys.executable, "-m", "crawler.run", "--sources", str(request.sources_path), "--source", source.name,
           "--db", db.url, "--run-id", str(run_id), "--max-pages", str(request.max_pages)]
    if request.backfill:
        cmd.append("--backfill")
    timed_out, code = False, None
    try:
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                timed_out = _wait(db, proc, run_id, limit, progress) == "timeout"
            except BaseException:
                _stop(proc)
                with db.unit_of_work() as session:
                    finish_run(session, run_id, "aborted", "interrupted")
                raise
            code = proc.returncode
    except OSError as exc:
        with db.unit_of_work() as session:
            return run_record(finish_run(session, run_id, "failed", f"cannot start crawler: {exc}"))
    with db.unit_of_work() as session:
        status, message = _verdict(code, timed_out, run_counts(session, run_id), limit, log)
        if code == 3 and not timed_out:
            status, message = "aborted", "crawl was asked to stop"
        record = run_record(finish_run(session, run_id, status, message))
    logger.info("run %s of %s: %s (%s)", run_id, source.name, status, message)
    return record
