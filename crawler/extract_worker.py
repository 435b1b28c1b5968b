"""Extraction beside the crawl: what a worker process runs, and the process-wide pool that runs it.

A worker imports only what extraction needs (corpus, jieba, numpy), never Scrapy, Twisted or SQLAlchemy,
and the pool can be started before the crawl's engine (`crawler.run` does so for a source's first crawl), so the
worker's second of start-up overlaps Scrapy's instead of delaying the first article.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archive.prepare import Prepared, prepare

if TYPE_CHECKING:
    from corpus.types import Extraction

logger = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None  # one crawl per process (Twisted's reactor cannot restart), so one pool
_launched = threading.Event()  # set once _pool's processes are up (or their start failed: submit then says why)


def extract_html(body: bytes, url: str, http_charset: str | None, override: str | None,
                 boilerplate: frozenset[str] = frozenset(), source: str = "") -> tuple[Extraction, Prepared | None]:
    """Extraction, then the index tokens and sketch (archive.prepare), so the write transaction only writes."""
    from corpus import extract_page  # here, not at the top: a crawl with nothing new never loads the extractor

    extraction = extract_page(body, url, http_charset=http_charset, encoding_override=override,
                              boilerplate=boilerplate, boilerplate_source=source)
    return extraction, (prepare(extraction.title or extraction.metadata.title, extraction.text_norm)
                        if extraction.text else None)


# A page whose extraction runs longer than this fails alone with a reason, instead of holding the crawl until its
# time limit (and every later crawl of the source, which would meet the page again). Pages take milliseconds; a 10 MB
# one, a few seconds.
PAGE_SECONDS = 60.0


@dataclass(frozen=True)
class Job:
    """What every page of one crawl shares, sent once per batch rather than once per page."""

    override: str | None = None  # the source's configured encoding
    boilerplate: frozenset[str] = frozenset()  # its learned boilerplate lines
    source: str = ""
    page_seconds: float = PAGE_SECONDS


class PageTimeout(Exception):
    """Raised inside a worker (by SIGALRM) when one page's extraction runs past its time."""


_armed = False  # whether an alarm now means "this page ran too long" (one delivered late, after the page, is ignored)


def _on_alarm(_signum: int, _frame: object) -> None:
    if _armed:
        raise PageTimeout


def extract_batch(job: Job, pages: list[tuple[bytes, str, str | None]]) -> list[tuple[bool, object]]:
    """extract_html for each (body, url, http charset): (True, result) or (False, "reason"), so one bad page fails
    alone. Runs in a worker's main thread, where an interval timer can interrupt a page that runs too long."""
    global _armed
    out: list[tuple[bool, object]] = []
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        for body, url, charset in pages:
            result: tuple[bool, object]
            try:
                _armed = True
                signal.setitimer(signal.ITIMER_REAL, job.page_seconds)
                result = (True, extract_html(body, url, charset, job.override, job.boilerplate, job.source))
            except PageTimeout:
                logger.error("extraction of %s stopped after %g s", url, job.page_seconds)
                result = (False, f"took longer than {job.page_seconds:g} s; stopped")
            except Exception as exc:  # noqa: BLE001 - recorded as the page's fetch error by the pipeline
                logger.exception("extraction failed for %s", url)
                result = (False, f"{type(exc).__name__}: {exc}")
            finally:
                _armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
            out.append(result)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return out


class ExtractionFailed(RuntimeError):
    """A page's extraction raised in the worker (the message names the exception)."""


@dataclass
class Feed:
    """Keeps the workers supplied. Pages go to the pool in batches, several batches in flight, so a worker finishing
    one has the next at hand: with one page per task it waited for the crawl process's pool thread, which shares the
    GIL with Scrapy, to hand over each page, and for every archive write that held the reactor (measured: a tenth of
    the worker's time idle). Batches form only when pages arrive faster than the workers take them; a lone page goes
    at once."""

    job: Job
    workers: int = 1
    batch: int = 16  # pages per task at most
    batch_bytes: int = 8 << 20  # and at most this much HTML (one page always goes, whatever its size)
    depth: int = 3  # tasks in flight per worker: enough queued work to cover the crawl process's archive writes
    restarts: int = 3  # a worker that dies (a page crashing a C library) is replaced this many times per crawl
    _pending: list[tuple[tuple[bytes, str, str | None], asyncio.Future]] = field(default_factory=list)
    _in_flight: int = 0
    _waiting: bool = False  # a check for the pool's readiness is scheduled

    def extract(self, body: bytes, url: str, http_charset: str | None) -> asyncio.Future:
        """A future for (Extraction, Prepared | None); it raises ExtractionFailed, or the pool's error if a worker
        died."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append(((body, url, http_charset), future))
        self._pump()
        return future

    def _pump(self) -> None:
        start_pool(self.workers)
        if self._pending and not pool_ready():
            if not self._waiting:  # pages wait here, not in a submit blocking the reactor; look again shortly
                self._waiting = True
                asyncio.get_running_loop().call_later(0.05, self._ready_check)
            return
        while self._pending and self._in_flight < self.depth * self.workers:
            n = self._next_batch()
            chunk, self._pending = self._pending[:n], self._pending[n:]
            self._in_flight += 1
            pool = start_pool(self.workers)
            try:
                done = pool.submit(extract_batch, self.job, [args for args, _ in chunk])
            except Exception as exc:  # noqa: BLE001 - a broken pool: these pages fail, the crawl goes on
                self._settle(pool, chunk, exc=exc)
                continue
            wrapped = asyncio.wrap_future(done)
            wrapped.add_done_callback(lambda f, p=pool, c=chunk: self._settle(p, c, f))

    def _ready_check(self) -> None:
        self._waiting = False
        self._pump()

    def _next_batch(self) -> int:
        """How many pending pages the next task takes: up to `batch`, within `batch_bytes`, at least one."""
        size = 0
        for n, ((body, _url, _charset), _future) in enumerate(self._pending[:self.batch]):
            size += len(body)
            if n and size > self.batch_bytes:
                return n
        return min(self.batch, len(self._pending))

    def _settle(self, pool: ProcessPoolExecutor, chunk: list, done: asyncio.Future | Future | None = None,
                exc: BaseException | None = None) -> None:
        self._in_flight -= 1
        if done is not None and exc is None:
            exc = done.exception() if not done.cancelled() else asyncio.CancelledError()
        if isinstance(exc, BrokenProcessPool) and pool is _pool and self.restarts > 0:
            # the batches it held are lost with the worker (their pages are recorded as failed); later pages get a
            # new one. (A second batch of the same dead pool finds a new pool already in place.)
            self.restarts -= 1
            logger.error("extraction worker died (%s); starting another", exc)
            shutdown_pool()
        results = done.result() if done is not None and exc is None else [(False, exc)] * len(chunk)
        for (_args, future), (ok, value) in zip(chunk, results, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value if isinstance(value, BaseException) else ExtractionFailed(value))
        self._pump()


# Workers run below the crawl process's priority: it paces everything (fetching, WARC, archive writes, feeding the
# workers), so it must never wait for a CPU; the workers take whatever is left. With one worker per CPU, fetching
# then ends as early as it can and the workers drain the backlog on every CPU (measured on 2 CPUs: 15.7-16.3 s for
# 2,000 pages against 17.9-18.5 s with the same two workers at normal priority, and 18.0-18.6 s with one).
WORKER_NICENESS = 10


_warm = False


def warm_up() -> None:
    """Lower the process's priority, then load the extraction and segmentation libraries before the first page
    arrives (a failure here must not break the pool: the first page then pays for the imports). Run by the
    forkserver's preload (crawler.extract_preload), and as each worker's initializer, where after a fork from that
    warm server it has nothing left to do."""
    global _warm
    if _warm:
        return
    _warm = True
    with contextlib.suppress(OSError):  # raising niceness is always allowed; a sandbox may still refuse it
        os.nice(WORKER_NICENESS)
    try:
        extract_html("<html><body><p>国务院办公厅关于印发通知。</p></body></html>".encode(), "http://localhost/",
                     "utf-8", None)
    except Exception:  # noqa: BLE001
        logger.warning("extraction worker warm-up failed", exc_info=True)


def _worker_init(crawl_pid: int) -> None:
    """Each worker's initializer: a watch that ends the worker when the crawl process ends, however it ends (a SIGKILL
    at the run's time limit included). Nothing else would tell it: a worker holds both ends of its task queue, and
    under a forkserver its parent is the server, which the workers themselves keep alive."""
    threading.Thread(target=_exit_with, args=(crawl_pid,), name="crawl-process-watch", daemon=True).start()
    warm_up()


def _exit_with(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)  # Linux 5.3+: readable once the process has exited
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        select.select([fd], [], [])
    else:
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                continue
    os._exit(0)


def configured_workers() -> int:
    """Extraction processes beside the crawl process: POLICY_ARCHIVE_EXTRACT_WORKERS, else one per CPU (at most 2: each
    holds ~200 MiB of dictionaries and models) on a machine with several; 0 = extract in the crawl process."""
    if os.environ.get("POLICY_ARCHIVE_EXTRACT_WORKERS"):
        return max(0, int(os.environ["POLICY_ARCHIVE_EXTRACT_WORKERS"]))
    cpus = os.cpu_count() or 1
    return min(2, cpus) if cpus > 1 else 0


def start_pool(workers: int) -> ProcessPoolExecutor:
    """The process's extraction pool, created on the first call. Its processes start on a thread of their own: the
    first submission blocks until they are up, which with a forkserver means until the server has warmed up (a
    second or two) — time the crawl process spends starting Scrapy and fetching instead. `pool_ready` says when."""
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_worker_init,
                                    initargs=(os.getpid(),))
        _launched.clear()
        threading.Thread(target=_launch, args=(_pool,), name="extraction-pool-start", daemon=True).start()
    return _pool


def _launch(pool: ProcessPoolExecutor) -> None:
    try:
        pool.submit(os.getpid)  # the processes start, and warm up, on the first submission
    except Exception:  # noqa: BLE001 - a pool that cannot start fails each batch submitted to it, with the reason
        logger.exception("extraction workers did not start")
    finally:
        if pool is _pool:  # not a pool already replaced (its late news must not mark the new one ready)
            _launched.set()


def pool_ready() -> bool:
    return _pool is not None and _launched.is_set()


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where the platform has it: one server process loads and warms the extraction stack once, and every
    worker — and the replacement for one that died — is forked from it ready, sharing its dictionaries copy-on-write
    (two workers cost one warm-up). Else spawn. Never plain fork: the crawl process runs a reactor and threads."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crawler.extract_preload"])
    return context


def shutdown_pool() -> None:
    global _pool
    if _pool is not None:
        pool, _pool = _pool, None
        pool.shutdown(wait=True)
