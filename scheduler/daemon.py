"""The long-running scheduler: one APScheduler job per source, job store in the archive database."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
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
from crawler.sources import Source, load_sources
from scheduler.jobs import CrawlRequest, run_crawl

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"


def scheduled_crawl(db_url: str, sources_path: str, source_name: str, trigger: str = "scheduled") -> dict[str, Any]:
    """The job APScheduler stores: everything by name/path so it survives pickling and restarts."""
    source = load_sources(sources_path)[source_name]
    db = Database(db_url, migrate=False)
    try:
        return run_crawl(db, CrawlRequest(source, Path(sources_path), trigger=trigger))
    finally:
        db.dispose()


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
    _stop: threading.Event = field(default_factory=threading.Event)
    _runs: int = 0

    def build(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.db.engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(self.max_concurrent)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.misfire_grace},
            timezone="Asia/Shanghai",
        )
        scheduler.add_listener(self._finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        return scheduler

    def _finished(self, event: JobExecutionEvent) -> None:
        if event.exception:
            logger.error("job %s raised: %s", event.job_id, event.exception)
        self._runs += 1
        if self.on_run and event.retval:
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

    def run(self, stop_after_runs: int | None = None, duration: float | None = None) -> int:
        """Blocks until a signal (or the run/duration budget); the crawl in flight finishes first."""
        scheduler = self.build()
        scheduler.start(paused=True)
        self.install(scheduler)
        scheduler.resume()
        self._install_signals()
        deadline = dt.datetime.now() + dt.timedelta(seconds=duration) if duration else None
        while not self._stop.wait(0.5):
            if stop_after_runs is not None and self._runs >= stop_after_runs:
                break
            if deadline and dt.datetime.now() >= deadline:
                break
        scheduler.shutdown(wait=True)
        return self._runs

    def next_runs(self, scheduler: BackgroundScheduler) -> Iterable[tuple[str, dt.datetime | None]]:
        return [(job.id, job.next_run_time) for job in scheduler.get_jobs()]

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def _handler(signum: int, _frame: Any) -> None:
            logger.warning("signal %s: stopping after the crawls in flight", signum)
            self._stop.set()

        signal.signal(signal.SIGTERM, _handler)
        signal.signal(signal.SIGINT, _handler)
