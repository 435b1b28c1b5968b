"""The long-running scheduler: a leader lease in the database, one APScheduler job per source, outbox delivery."""

from __future__ import annotations

import copy
import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from archive.db import Database
from archive.models import CrawlRun
from archive.models import Source as SourceRow
from crawler.sources import Source, SourcesError, load_sources
from scheduler import jobs
from scheduler.claims import (
    AdvisoryLock,
    SourceBusy,
    acquire_lease,
    current_lease,
    holder_id,
    prune_claims,
    release_lease,
)
from scheduler.jobs import CrawlRequest, run_crawl
from scheduler.notify.outbox import deliver_pending
from scheduler.watches import WatchError, load_watches

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"


def scheduled_crawl(db_url: str, sources_path: str, source_name: str, trigger: str = "scheduled",
                    scheduled_for: str | None = None, holder: str | None = None) -> dict[str, Any] | None:
    """The job APScheduler stores: everything by name/path so it survives pickling and restarts."""
    try:
        source = load_sources(sources_path)[source_name]
    except (SourcesError, KeyError) as exc:
        logger.error("cannot crawl %s: %s", source_name, exc)
        return None
    when = dt.datetime.fromisoformat(scheduled_for).astimezone(dt.UTC).replace(tzinfo=None) if scheduled_for else None
    db = Database(db_url, migrate=False)
    try:
        return run_crawl(db, CrawlRequest(source, Path(sources_path), trigger=trigger, scheduled_for=when,
                                          holder=holder))
    except SourceBusy as exc:
        logger.warning("skipping %s: %s", source_name, exc)
        return None
    finally:
        db.dispose()


class ClaimingExecutor(ThreadPoolExecutor):
    """Hands each firing its scheduled time, so the job can claim (source, scheduled time) in the database."""

    def __init__(self, max_workers: int, holder: str) -> None:
        super().__init__(max_workers)
        self.holder = holder

    def _do_submit_job(self, job: Any, run_times: list[dt.datetime]) -> None:
        clone = copy.copy(job)  # the stored job must keep its own kwargs: the scheduler re-pickles it after this
        clone._jobstore_alias = job._jobstore_alias
        clone._scheduler = job._scheduler
        clone.kwargs = {**job.kwargs, "scheduled_for": run_times[-1].isoformat(), "holder": self.holder}
        super()._do_submit_job(clone, run_times)


def _never_ran(db: Database, name: str) -> bool:
    with db.unit_of_work() as session:
        return session.scalar(select(CrawlRun.id).join(SourceRow).where(SourceRow.name == name).limit(1)) is None


@dataclass
class Daemon:
    db: Database
    sources_path: Path
    sources: list[Source]
    max_concurrent: int = 2
    misfire_grace: int = 600
    jitter: int = 30
    trigger_name: str = "scheduled"
    start_now: bool = False  # fire every source at start, not only the never-crawled ones
    on_run: Callable[[dict[str, Any]], None] | None = None
    lease_ttl: float = 30.0
    notify_interval: float = 5.0
    watches_path: Path | None = None
    only: tuple[str, ...] = ()  # --source names; empty = every enabled source (re-read on reload)
    holder: str = field(default_factory=holder_id)
    _stop: threading.Event = field(default_factory=threading.Event)
    _runs: int = 0
    _leader: threading.Event = field(default_factory=threading.Event)
    _loaded_at: dt.datetime | None = None
    _lease_until: float = 0.0
    _advisory: AdvisoryLock | None = None

    def __post_init__(self) -> None:
        if self.db.engine.dialect.name == "postgresql":
            self._advisory = AdvisoryLock(self.db.engine)

    def build(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.db.engine, tablename=JOBS_TABLE)},
            executors={"default": ClaimingExecutor(self.max_concurrent, self.holder)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.misfire_grace},
            timezone="Asia/Shanghai",
        )
        scheduler.add_listener(self._finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        return scheduler

    def _finished(self, event: JobExecutionEvent) -> None:
        if event.exception:
            logger.error("job %s raised: %s", event.job_id, event.exception)
        if event.retval:
            self._runs += 1
            if self.on_run:
                self.on_run(event.retval)

    def install(self, scheduler: BackgroundScheduler) -> None:
        """Make the stored jobs match the sources file: add/replace ours, drop the ones no longer configured."""
        wanted = {s.name for s in self.sources}
        for job in scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        now = dt.datetime.now(dt.UTC)
        for source in self.sources:
            first = now + dt.timedelta(seconds=1) if self.start_now or _never_ran(self.db, source.name) else None
            kwargs: dict[str, Any] = {"next_run_time": first} if first else {}
            scheduler.add_job(scheduled_crawl, source.parsed_schedule.trigger(jitter=self.jitter or None),
                              args=[self.db.url, str(self.sources_path), source.name, self.trigger_name],
                              id=source.name, name=f"crawl {source.name}", replace_existing=True, **kwargs)
        self._loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def reload(self, scheduler: BackgroundScheduler) -> None:
        """Re-read the sources file; a broken file keeps the running schedule."""
        try:
            sources = load_sources(self.sources_path)
            chosen = [sources[n] for n in self.only] if self.only else [s for s in sources.values() if s.enabled]
        except (SourcesError, KeyError) as exc:
            logger.error("reload: keeping the current schedule: %s", exc)
            self._loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            return
        self.sources = chosen
        self.install(scheduler)
        logger.warning("reloaded %s: %s", self.sources_path, ", ".join(s.name for s in chosen))

    def _hold_lease(self) -> tuple[bool, dt.datetime | None]:
        try:
            locked = self._advisory.hold() if self._advisory else False
            if self._advisory and not locked:
                return False, None
            with self.db.unit_of_work() as session:
                leader = acquire_lease(session, self.holder, self.lease_ttl, force=locked)
                lease = current_lease(session)
                reload_at = lease.reload_requested_at if lease else None
        except Exception as exc:  # a locked or unreachable database must not kill the daemon
            logger.error("lease: %s", exc)
            # keep leading while the lease we last renewed is still ours; nobody else can take it before then
            return time.monotonic() < self._lease_until, None
        if leader:
            self._lease_until = time.monotonic() + self.lease_ttl * 0.8
        return leader, reload_at

    def _start(self) -> BackgroundScheduler:
        with self.db.unit_of_work() as session:
            prune_claims(session)
        scheduler = self.build()
        scheduler.start(paused=True)
        self.install(scheduler)
        scheduler.resume()
        logger.warning("%s leads the schedule", self.holder)
        return scheduler

    def _step(self, scheduler: BackgroundScheduler | None) -> BackgroundScheduler | None:
        leader, reload_at = self._hold_lease()
        if leader and scheduler is None:
            scheduler = self._start()
        elif not leader and scheduler is not None:
            logger.error("%s lost the lease: stopping the schedule", self.holder)
            jobs.ABORT.set()
            scheduler.shutdown(wait=True)
            jobs.ABORT.clear()
            scheduler = None
        if leader and scheduler and reload_at and self._loaded_at and reload_at > self._loaded_at:
            self.reload(scheduler)
        if leader:
            self._leader.set()
        else:
            self._leader.clear()
        return scheduler

    def run(self, stop_after_runs: int | None = None, duration: float | None = None) -> int:
        """Blocks until a signal (crawls in flight are aborted cleanly) or the run/duration budget (they finish)."""
        self._install_signals()
        notifier = threading.Thread(target=self._deliver_loop, name="notify", daemon=True)
        notifier.start()
        deadline = time.monotonic() + duration if duration else None
        scheduler, renew_at = None, 0.0
        try:
            while not self._stop.is_set():
                if time.monotonic() >= renew_at:
                    scheduler = self._step(scheduler)
                    renew_at = time.monotonic() + self.lease_ttl / 3
                if stop_after_runs is not None and self._runs >= stop_after_runs:
                    break
                if deadline and time.monotonic() >= deadline:
                    break
                self._stop.wait(0.5)
        finally:
            self._stop.set()
            if scheduler is not None:
                scheduler.shutdown(wait=True)
            notifier.join(timeout=60)
            if self._leader.is_set() and not jobs.ABORT.is_set():
                self._deliver_once()  # a budgeted run (--stop-after-runs/--duration) still announces its last crawl
            with self.db.unit_of_work() as session:
                release_lease(session, self.holder)
            if self._advisory:
                self._advisory.close()
            jobs.ABORT.clear()
        return self._runs

    def _deliver_loop(self) -> None:
        while not self._stop.wait(self.notify_interval):
            if self._leader.is_set():
                self._deliver_once(stop=self._stop.is_set)

    def _deliver_once(self, stop: Callable[[], bool] = lambda: False) -> None:
        if self.watches_path is None:
            return
        try:
            counts = deliver_pending(self.db, load_watches(self.watches_path), stop=stop)
        except WatchError as exc:
            logger.error("watches: %s", exc)
            return
        except Exception:  # delivery must never take the scheduler down
            logger.exception("delivery pass failed")
            return
        if any(counts.values()):
            logger.info("delivery: %s", counts)

    def next_runs(self, scheduler: BackgroundScheduler) -> Iterable[tuple[str, dt.datetime | None]]:
        return [(job.id, job.next_run_time) for job in scheduler.get_jobs()]

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def _handler(signum: int, _frame: Any) -> None:
            logger.warning("signal %s: aborting the crawls in flight and stopping", signum)
            jobs.ABORT.set()
            self._stop.set()

        signal.signal(signal.SIGTERM, _handler)
        signal.signal(signal.SIGINT, _handler)
