"""One crawl of one source, in a child process with a wall-clock limit, recorded as a CrawlRun row."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.db import data_home

if TYPE_CHECKING:
    from archive.db import Database
    from crawler.sources import Source

# The archive modules (SQLAlchemy, the models, the store and what it pulls in) load inside the functions below: the
# crawl's child process is started first, so it loads Scrapy on the other CPU while this one loads them.

logger = logging.getLogger(__name__)

Progress = Callable[[dict[str, int]], None]
GRACE_SECONDS = 10
# Set by the daemon on SIGTERM/Ctrl-C: crawls in flight stop their child cleanly and are recorded as aborted.
ABORT = threading.Event()

__all__ = ["ABORT", "CrawlRequest", "CrawlChild", "run_crawl", "start_crawler"]


@dataclass
class CrawlRequest:
    source: Source
    sources_path: Path
    trigger: str = "manual"
    max_pages: int = 0
    time_limit: int | None = None  # seconds; default from the source
    backfill: bool = False  # walk every listing page instead of stopping at the first all-known one
    scheduled_for: dt.datetime | None = None  # the firing this run claims (naive UTC); now for manual crawls
    holder: str | None = None  # who claims it (the daemon's lease holder id)
    wait_busy: float = 0  # seconds to wait for another crawl of the source to end (manual crawls); 0 = give up


def _log_path(source: str, run_id: int) -> Path:
    path = data_home() / "logs" / source / f"run-{run_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class CrawlChild:
    """A crawl's child process, started before its run is claimed (`start_crawler`): it loads Scrapy, the pipelines and
    the extraction stack meanwhile, and waits on its stdin for the run id before it touches the database or the site.
    Without one (the pipe closes: the source was busy, the claim failed, this process died) it exits at once."""

    source: str
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None  # a temporary name until `begin` renames it after the run
    error: str | None = None  # why the process could not be started

    def begin(self, run_id: int) -> Path:
        """Hand the child its run (it starts crawling) and name its log after the run."""
        try:
            log = _log_path(self.source, run_id)
            if self.log is not None:
                os.replace(self.log, log)
                self.log = log
        except OSError as exc:  # the crawl still runs; its log keeps the temporary name
            logger.warning("cannot name the log of run %s: %s", run_id, exc)
            log = self.log or Path(os.devnull)
        if self.proc is not None and self.proc.stdin is not None:
            # a child that already exited (bad sources file...) is judged by its exit code and log tail
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.write(f"{run_id}\n".encode())
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
        return log

    def discard(self) -> None:
        """No run for this child: it has touched nothing yet, so it is killed outright; its temporary log goes too."""
        if self.proc is not None:
            if self.proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    self.proc.stdin.close()
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        if self.log is not None:
            self.log.unlink(missing_ok=True)


def start_crawler(request: CrawlRequest, db_url: str) -> CrawlChild:
    """Start the child process for `request` now; `run_crawl` gives it its run once claimed. Never raises: a child that
    cannot be started is recorded as a failed run by `run_crawl`."""
    source = request.source
    crawler = CrawlChild(source.name)
    cmd = [sys.executable, "-m", "crawler.run", "--sources", str(request.sources_path), "--source", source.name,
           "--db", db_url, "--run-id", "-", "--max-pages", str(request.max_pages)]
    if request.backfill:
        cmd.append("--backfill")
    try:
        folder = data_home() / "logs" / source.name
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="starting-", suffix=".log", dir=folder)
        crawler.log = Path(name)
        with os.fdopen(fd, "wb") as out:
            crawler.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.PIPE,
                                            preexec_fn=_die_with_parent)  # noqa: PLW1509 - nothing else runs in it
    except OSError as exc:
        crawler.error = str(exc)
    return crawler


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


def claim_ttl() -> float:
    """How long a claim outlives its holder's last heartbeat (POLICY_ARCHIVE_CLAIM_TTL seconds, default 60)."""
    return float(os.environ.get("POLICY_ARCHIVE_CLAIM_TTL") or 60)


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()  # resolved here, so the forked child runs no dynamic loading before exec


def _die_with_parent() -> None:
    """Linux: the crawler gets SIGTERM if the scheduler dies (kill -9), so no orphan crawls past its claim."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait(db: Database, proc: subprocess.Popen[bytes], run_id: int, limit: int,
          progress: Progress | None, claim_id: int | None = None) -> str | None:
    """Wait for the child; 'timeout' when it ran past its limit, 'aborted' when the daemon is stopping, else None.

    Meanwhile the claim's expiry is pushed forward, so only a holder that stopped beating loses it.
    """
    from archive.store import run_counts
    from scheduler.claims import renew_claim

    deadline = time.monotonic() + limit
    beat_at = time.monotonic() + claim_ttl() / 4
    with _ExitWatch(proc) as exited:
        while proc.poll() is None:
            if claim_id is not None and time.monotonic() >= beat_at:
                with db.unit_of_work() as session:
                    renew_claim(session, claim_id, claim_ttl())
                beat_at = time.monotonic() + claim_ttl() / 4
            if time.monotonic() > deadline:
                _stop(proc)
                return "timeout"
            if ABORT.is_set():
                _stop(proc)
                return "aborted"
            if progress:
                with db.unit_of_work() as session:
                    progress(run_counts(session, run_id))
            exited.wait(0.5)
    return None


class _ExitWatch:
    """Waits up to a timeout for the child to exit, returning as soon as it does: Popen.wait(timeout) polls in sleeps of
    up to 50 ms, a delay every crawl would pay at its end. A pidfd (Linux 5.3+) becomes readable when the child exits."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.fd: int | None = None
        self.poller = select.poll()

    def __enter__(self) -> _ExitWatch:
        with contextlib.suppress(AttributeError, OSError):  # no pidfd here: Popen.wait's polling
            self.fd = os.pidfd_open(self.proc.pid)
            self.poller.register(self.fd, select.POLLIN)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)

    def wait(self, timeout: float) -> None:
        if self.fd is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        else:
            self.poller.poll(timeout * 1000)


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


def _finish(db: Database, run_id: int, claim_id: int, status: str, message: str) -> dict[str, Any]:
    """The run's verdict, its source.failing/recovered event and the claim's release: one transaction."""
    from archive.events import run_finished
    from archive.queries import run_record
    from archive.store import finish_run
    from scheduler.claims import release_run

    with db.unit_of_work() as session:
        run = finish_run(session, run_id, status, message)
        run_finished(session, run)
        release_run(session, claim_id, run_id)
        return run_record(run)


def _claim(db: Database, request: CrawlRequest) -> tuple[int, int]:
    """Claim the firing and open its run in one transaction; waits up to `wait_busy` for a busy source."""
    from archive.models import utcnow
    from archive.store import ensure_source, start_run
    from scheduler.claims import SourceBusy, claim_run, holder_id

    source, holder = request.source, request.holder or holder_id()
    deadline = time.monotonic() + request.wait_busy
    while True:
        try:
            with db.unit_of_work() as session:
                claim = claim_run(session, source.name, request.scheduled_for or utcnow(), holder,
                                  ttl=claim_ttl())
                run = start_run(session, ensure_source(session, source.name, source.title), request.trigger,
                                pid=os.getpid())
                claim.run_id = run.id
                return run.id, claim.id
        except SourceBusy:
            if time.monotonic() >= deadline or request.scheduled_for is not None:
                raise
            logger.warning("%s is being crawled by another process: waiting", source.name)
            time.sleep(1)


def run_crawl(db: Database, request: CrawlRequest, progress: Progress | None = None,
              crawler: CrawlChild | None = None) -> dict[str, Any]:
    """Runs a crawl to completion (or its time limit) and returns the finished run as a record.

    `crawler` is the child `start_crawler` started for this request ahead of time; without one it is started here,
    still before the claim. Raises SourceBusy when another process is crawling the source or already took this firing.
    """
    from archive.store import run_counts

    source = request.source
    limit = request.time_limit or source.time_limit_seconds
    crawler = crawler or start_crawler(request, db.url)
    try:
        run_id, claim_id = _claim(db, request)
    except BaseException:
        crawler.discard()
        raise
    log = crawler.begin(run_id)
    proc = crawler.proc
    if proc is None:
        return _finish(db, run_id, claim_id, "failed", f"cannot start crawler: {crawler.error}")
    outcome = None
    try:
        outcome = _wait(db, proc, run_id, limit, progress, claim_id)
    except BaseException:
        _stop(proc)
        _finish(db, run_id, claim_id, "aborted", "interrupted")
        raise
    code = proc.returncode
    with db.unit_of_work() as session:
        status, message = _verdict(code, outcome == "timeout", run_counts(session, run_id), limit, log)
    if outcome == "aborted" or (code == 3 and outcome is None):
        status, message = "aborted", "crawl was asked to stop"
    record = _finish(db, run_id, claim_id, status, message)
    logger.info("run %s of %s: %s (%s)", run_id, source.name, status, message)
    return record
