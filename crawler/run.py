"""Child-process entry point for one crawl: Twisted's reactor cannot restart, so each crawl gets a process."""

from __future__ import annotations

import gc

# As a process of its own, start-up allocates ~150k long-lived objects (Scrapy, Twisted, SQLAlchemy, our models): the
# cyclic collector would scan them over and over while they are imported, and again at exit (together a third of a
# no-op re-crawl's CPU time). It stays off until the crawl starts, when they are frozen out of its reach.
_GC_DEFERRED = __name__ == "__main__"
if _GC_DEFERRED:
    gc.disable()

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from typing import TYPE_CHECKING, NoReturn  # noqa: E402

from crawler import extract_worker  # noqa: E402
from crawler.sources import Source, SourcesError, load_sources  # noqa: E402

if TYPE_CHECKING:
    from crawler.state import CrawlState

if _GC_DEFERRED:
    # Only in the crawl process: an extraction worker imports this module too (spawn re-runs the parent's main module
    # as __mp_main__) and needs none of it.
    # The HTTP download handler, loaded here rather than when the engine is built: its TLS module defines deprecated
    # aliases through a Scrapy helper that calls inspect.stack(), which reads the source of every frame on the stack.
    # At this depth that is a few frames (25 ms); some 45 frames deep inside the engine's start it cost about 0.1 s.
    import scrapy.core.downloader.handlers.http11  # noqa: F401
    import scrapy.crawler  # noqa: F401

    # What the settings name (middlewares, pipelines, WARC capture) is imported here too, before the run id arrives
    # on stdin (see `main`): that is, while the scheduler claims the run.
    import crawler.middlewares  # noqa: F401
    import crawler.pipelines  # noqa: F401
    import crawler.spiders.policy  # noqa: F401
    import crawler.warc  # noqa: F401

EXIT_OK, EXIT_CONFIG, EXIT_ABORTED, EXIT_FAILED = 0, 2, 3, 1


def _imports_done() -> None:
    """Everything start-up built lives as long as the process: freeze it out of the collector, then switch it on."""
    if _GC_DEFERRED:
        gc.freeze()
        gc.enable()


def _run_id(value: str) -> int | str:
    return value if value == "-" else int(value)


def _known(source: Source, db_url: str) -> tuple[int, CrawlState]:
    from archive.db import Database
    from archive.fetches import known_urls
    from archive.store import ensure_source
    from crawler.state import CrawlState

    db = Database(db_url, migrate=False)  # the CLI / scheduler that spawned this process has migrated already
    with db.unit_of_work() as session:
        source_id = ensure_source(session, source.name, source.title).id
        state = CrawlState.from_known(known_urls(session, source_id))
    db.dispose()
    return source_id, state


def _first_crawl(source: Source, db_url: str) -> bool:
    """Read-only (the run may not be claimed yet); any doubt says no, and the pipeline decides again when it opens."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from archive.db import Database
    from archive.fetches import has_documents

    try:
        url = make_url(db_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
                and not Path(url.database).exists():
            return True  # no archive file yet, and opening it now would create it before the run is claimed
        db = Database(db_url, migrate=False)
        try:
            with db.reading() as session:
                return not has_documents(session, source.name)
        finally:
            db.dispose()
    except Exception:  # noqa: BLE001 - an optimisation only; the crawl reports database trouble itself
        return False


def crawl(source: Source, db_url: str, run_id: int | None, max_pages: int = 0, log_level: str = "INFO",
          backfill: bool = False) -> str:
    """Run one crawl to the end in this process; returns Scrapy's close reason ('finished', 'shutdown', ...)."""
    from scrapy.crawler import CrawlerProcess

    from archive.db import data_home
    from crawler.settings import settings_for
    from crawler.spiders.policy import PolicySpider

    source_id, state = _known(source, db_url)
    settings = settings_for(source, db_url=db_url, source_id=source_id, run_id=run_id, warc_dir=data_home() / "warc")
    settings["LOG_LEVEL"] = log_level
    process = CrawlerProcess(settings)  # LOG_INSTALL_ROOT_HANDLER defaults to True
    crawler = process.create_crawler(PolicySpider)
    reasons: list[str] = []

    def _closed(spider: object, reason: str) -> None:
        reasons.append(reason)

    from scrapy import signals

    crawler.signals.connect(_closed, signal=signals.spider_closed)
    process.crawl(crawler, source=source, max_pages=max_pages, state=state, backfill=backfill)
    _imports_done()
    process.start()
    return reasons[0] if reasons else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__)
    parser.add_argument("--sources", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=_run_id, default=None,
                        help="the CrawlRun this crawl records into; '-' = read it from stdin: the scheduler starts this "
                             "process before it claims the run, and writes the id once it has (EOF = no run)")
    parser.add_argument("--max-pages", type=int, default=0)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--backfill", action="store_true", help="walk every listing page (up to backfill_depth)")
    args = parser.parse_args(argv)
    try:
        source = load_sources(args.sources)[args.source]
    except SourcesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyError:
        print(f"error: unknown source {args.source!r}", file=sys.stderr)
        return EXIT_CONFIG
    workers = extract_worker.configured_workers()
    if workers and _first_crawl(source, args.db):
        extract_worker.start_pool(workers)  # warms up while Scrapy loads and the scheduler claims the run
    run_id = args.run_id
    if run_id == "-":
        line = sys.stdin.readline().strip()
        if not line:
            print("no run was claimed for this crawl: not started", file=sys.stderr)
            return EXIT_ABORTED
        run_id = int(line)
    reason = crawl(source, args.db, run_id, args.max_pages, args.log_level, args.backfill)
    logging.getLogger(__name__).info("crawl closed: %s", reason)
    if reason == "finished":
        return EXIT_OK
    return EXIT_ABORTED if reason == "shutdown" else EXIT_FAILED


def _exit(code: int) -> NoReturn:
    """End the crawl process without interpreter teardown. Everything is closed by then (the pipeline disposed of the
    database and shut the extraction workers down, the WARC files are closed at spider_closed); freeing what a crawl
    loaded — Scrapy, Twisted, SQLAlchemy and hundreds of thousands of objects — took 0.6 s the scheduler waited for."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(main())
