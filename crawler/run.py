"""Child-process entry point for one crawl: Twisted's reactor cannot restart, so each crawl gets a process."""

from __future__ import annotations

import argparse
import logging
import sys

from scrapy.crawler import CrawlerProcess

from archive.db import Database, data_home
from archive.fetches import known_urls
from archive.store import ensure_source
from crawler.settings import settings_for
from crawler.sources import Source, SourcesError, load_sources
from crawler.spiders.policy import PolicySpider
from crawler.state import CrawlState

EXIT_OK, EXIT_CONFIG, EXIT_ABORTED, EXIT_FAILED = 0, 2, 3, 1


def crawl(source: Source, db_url: str, run_id: int | None, max_pages: int = 0, log_level: str = "INFO",
          backfill: bool = False) -> str:
    """Run one crawl to the end in this process; returns Scrapy's close reason ('finished', 'shutdown', ...)."""
    db = Database(db_url, migrate=False)  # the CLI / scheduler that spawned this process has migrated already
    with db.unit_of_work() as session:
        source_id = ensure_source(session, source.name, source.title).id
        state = CrawlState.from_known(known_urls(session, source_id))
    db.dispose()
    settings = settings_for(source, db_url=db_url, source_id=source_id, run_id=run_id, warc_dir=data_home() / "warc")
    settings["LOG_LEVEL"] = log_level
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(PolicySpider)
    reasons: list[str] = []

    def _closed(spider: object, reason: str) -> None:
        reasons.append(reason)

    from scrapy import signals

    crawler.signals.connect(_closed, signal=signals.spider_closed)
    process.crawl(crawler, source=source, max_pages=max_pages, state=state, backfill=backfill)
    process.start()
    return reasons[0] if reasons else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__)
    parser.add_argument("--sources", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, default=None)
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
    reason = crawl(source, args.db, args.run_id, args.max_pages, args.log_level, args.backfill)
    logging.getLogger(__name__).info("crawl closed: %s", reason)
    if reason == "finished":
        return EXIT_OK
    return EXIT_ABORTED if reason == "shutdown" else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
