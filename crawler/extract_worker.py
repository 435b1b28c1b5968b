"""Extraction beside the crawl: what a worker process runs, and the process-wide pool that runs it.

A worker imports only what extraction needs (corpus, jieba, numpy, datasketch), never Scrapy, Twisted or SQLAlchemy,
and the pool can be started before the crawl's engine (`crawler.run` does so for a source's first crawl), so the
worker's second of start-up overlaps Scrapy's instead of delaying the first article.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from archive.prepare import Prepared, prepare

if TYPE_CHECKING:
    from corpus.types import Extraction

logger = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None  # one crawl per process (Twisted's reactor cannot restart), so one pool


def extract_html(body: bytes, url: str, http_charset: str | None, override: str | None,
                 boilerplate: frozenset[str] = frozenset(), source: str = "") -> tuple[Extraction, Prepared | None]:
    """Extraction, then the index tokens and sketch (archive.prepare), so the write transaction only writes."""
    from corpus import extract_page  # here, not at the top: a crawl with nothing new never loads the extractor

    extraction = extract_page(body, url, http_charset=http_charset, encoding_override=override,
                              boilerplate=boilerplate, boilerplate_source=source)
    return extraction, (prepare(extraction.title or extraction.metadata.title, extraction.text_norm)
                        if extraction.text else None)


def warm_up() -> None:
    """Worker initializer: load the extraction and segmentation libraries before the first page arrives (a failure
    here must not break the pool: the first page then pays for the imports)."""
    try:
        extract_html("<html><body><p>国务院办公厅关于印发通知。</p></body></html>".encode(), "http://localhost/",
                     "utf-8", None)
    except Exception:  # noqa: BLE001
        logger.warning("extraction worker warm-up failed", exc_info=True)


def configured_workers() -> int:
    """Extraction processes beside the crawl process: POLICY_ARCHIVE_EXTRACT_WORKERS, else one per CPU beyond the first
    (at most 2); 0 = extract in the crawl process."""
    if os.environ.get("POLICY_ARCHIVE_EXTRACT_WORKERS"):
        return max(0, int(os.environ["POLICY_ARCHIVE_EXTRACT_WORKERS"]))
    return max(0, min(2, (os.cpu_count() or 1) - 1))


def start_pool(workers: int) -> ProcessPoolExecutor:
    """The process's extraction pool, started (and its workers launched) on the first call."""
    global _pool
    if _pool is None:
        # spawn: the crawl process runs a reactor and threads that fork would copy
        _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up)
        _pool.submit(os.getpid)  # the processes start, and warm up, on the first submission
    return _pool


def shutdown_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None
