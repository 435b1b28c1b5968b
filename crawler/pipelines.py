"""Item pipeline: extract each article page with corpus (in worker processes) and archive the results in batches."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from archive.boilerplate import load_learned
from archive.db import Database
from archive.fetches import has_documents
from archive.models import utcnow
from archive.prepare import Prepared, prepare
from archive.urls import canonical_url
from crawler import extract_worker
from crawler.attachments import UnsupportedAttachment, extract_attachment
from crawler.items import ArticlePage, Capture, FetchNote
from crawler.sources import RevisitPolicy
from crawler.writes import Result, fetch_row, write_batch

if TYPE_CHECKING:
    from corpus import Extraction

logger = logging.getLogger(__name__)

TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def _rejection(page: ArticlePage) -> str | None:
    """Why a response cannot be an article, before we spend time extracting it."""
    content_type = (page.content_type or "").split(";")[0].strip().lower()
    if content_type and content_type not in TEXT_TYPES:
        return f"not an HTML page (Content-Type {content_type})"
    if b"\x00" in page.body[:4096]:
        return "binary content"
    return None


def _capture_fields(capture: Capture | None) -> dict[str, Any]:
    return asdict(capture) if capture is not None else {}


def _unchanged(page: ArticlePage) -> bool:
    """304, or the same bytes as last time: nothing to extract."""
    if page.known_document_id is None:
        return False
    digest = page.capture.payload_digest if page.capture else None
    return page.status == 304 or bool(digest and digest == page.known_digest)


class ArchivePipeline:
    """Collects crawl results and writes them to the archive in batches (a transaction every BATCH_SECONDS or
    BATCH_SIZE results, and when the spider idles or closes). A killed crawl loses at most the batch in hand — those
    pages are fetched again next time, as they are not known yet; a batch the database rejects is retried page by
    page, and a page that still fails is recorded as an error fetch.

    Extraction is CPU work, so it runs in worker processes (`workers`, 0 = in this process) while this process
    keeps fetching and writing; an attachment waits until its article has been stored, so it can point to it.
    """

    BATCH_SIZE = 200
    BATCH_SECONDS = 0.5

    def __init__(self, db_url: str, source_name: str, source_id: int, run_id: int | None, encoding: str,
                 revisit: RevisitPolicy | None = None, workers: int = 0) -> None:
        self.db = Database(db_url, migrate=False)
        self.source_name = source_name
        self.source_id = source_id
        self.run_id = run_id
        self.encoding = encoding or None
        self.revisit = revisit or RevisitPolicy(3600, 7 * 86400, 30)
        self.workers = workers
        self._articles_in_hand: dict[str, asyncio.Future[None]] = {}
        self._buffer: list[Result] = []
        self._waiting: list[asyncio.Future[None]] = []  # resolved once the buffer they belong to is written
        self._oldest = 0.0
        self._ticker: Any = None
        self.boilerplate: frozenset[str] = frozenset()
        self._feed: extract_worker.Feed | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        s = crawler.settings
        if not s.get("POLICY_ARCHIVE_DB") or s.get("POLICY_ARCHIVE_SOURCE_ID") is None:
            raise NotConfigured("POLICY_ARCHIVE_DB and POLICY_ARCHIVE_SOURCE_ID are required")
        young, old, days = s.getlist("POLICY_ARCHIVE_REVISIT") or (3600, 7 * 86400, 30)
        pipeline = cls(s.get("POLICY_ARCHIVE_DB"), s.get("POLICY_ARCHIVE_SOURCE"),
                       s.getint("POLICY_ARCHIVE_SOURCE_ID"), s.getint("POLICY_ARCHIVE_RUN_ID") or None,
                       s.get("POLICY_ARCHIVE_ENCODING", ""), RevisitPolicy(int(young), int(old), int(days)),
                       s.getint("POLICY_ARCHIVE_EXTRACT_WORKERS", extract_worker.configured_workers()))
        from scrapy import signals

        # the spider's idle-time checks read the archive: everything fetched so far must be in it
        crawler.signals.connect(pipeline.flush, signal=signals.spider_idle)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        # the source's learned boilerplate lines (`policy-archive boilerplate learn`), read once per crawl; an
        # archive without them (not yet migrated) crawls as before rather than not at all
        first_crawl = False
        try:
            with self.db.unit_of_work() as session:
                self.boilerplate = load_learned(session, self.source_name) if self.source_name else frozenset()
                first_crawl = not has_documents(session, self.source_name)
        except SQLAlchemyError:
            logger.warning("learned boilerplate of %s not readable; crawling without it", self.source_name,
                           exc_info=True)
        if first_crawl and self.workers:
            # every article will be extracted: the worker loads its libraries (~1.5 s) while robots.txt, feeds
            # and listings are fetched, not after the first article arrives (crawler.run starts it earlier still).
            # Later crawls start it on demand.
            extract_worker.start_pool(self.workers)
        from twisted.internet import task

        self._ticker = task.LoopingCall(self._flush_if_due)
        self._ticker.start(self.BATCH_SECONDS / 2, now=False)

    def close_spider(self, spider: Any = None) -> None:
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self.flush()
        extract_worker.shutdown_pool()
        self.db.dispose()

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, FetchNote):
            self._add(Result(fetch_row(url=item.url, kind=item.kind, outcome=item.outcome, status=item.status,
                                       error=item.error, elapsed_ms=item.elapsed_ms, size=item.size,
                                       content_type=item.content_type, **_capture_fields(item.capture)),
                             gone=item.kind == "article" and item.status in (404, 410)))
        elif isinstance(item, ArticlePage):
            if _unchanged(item):
                self._add(Result(fetch_row(outcome="unchanged", document_id=item.known_document_id,
                                           **self._fields(item))))
            else:
                await self._process_page(item)
        return item

    # -- batching

    def _add(self, result: Result) -> None:
        if not self._buffer:
            self._oldest = time.monotonic()
        self._buffer.append(result)
        if len(self._buffer) >= self.BATCH_SIZE:
            self.flush()

    def _flush_if_due(self) -> None:
        if self._buffer and time.monotonic() - self._oldest >= self.BATCH_SECONDS:
            self.flush()

    def _stored_later(self) -> asyncio.Future[None]:
        """A future resolved when the current buffer has been written."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        return future

    def flush(self, spider: Any = None) -> None:
        batch, self._buffer = self._buffer, []
        waiting, self._waiting = self._waiting, []
        try:
            if batch:
                self._write(batch)
        finally:
            for future in waiting:
                if not future.done():
                    future.set_result(None)

    def _write(self, batch: list[Result]) -> None:
        try:
            with self.db.unit_of_work() as session:
                write_batch(session, batch, source_id=self.source_id, run_id=self.run_id, revisit=self.revisit)
        except Exception as exc:  # one bad page (or a bug) must not lose the batch, nor stop the crawl
            if len(batch) > 1:
                logger.exception("archive batch of %d failed; writing its pages one by one", len(batch))
                for result in batch:
                    self._write([result])
            else:
                self._write_failed(batch[0], exc)
            return
        for result in batch:
            if result.stored:
                logger.info("%s %s", result.stored, result.fetch["url"])

    def _write_failed(self, result: Result, exc: Exception) -> None:
        """The page's rows could not be written: keep at least a fetch row saying why (no work is lost silently)."""
        logger.error("archiving %s failed: %s", result.fetch["url"], exc, exc_info=exc)
        note = fetch_row(**{**result.fetch, "outcome": "error", "document_id": None,
                            "error": f"archive write failed: {type(exc).__name__}: {exc}"[:2000]})
        try:
            with self.db.unit_of_work() as session:
                write_batch(session, [Result(note)], source_id=self.source_id, run_id=self.run_id,
                            revisit=self.revisit)
        except Exception:
            logger.exception("cannot record the failure of %s either", result.fetch["url"])

    # -- pages

    async def _process_page(self, page: ArticlePage) -> None:
        key = canonical_url(page.url)
        stored: asyncio.Future[None] | None = None
        if page.kind == "article":  # registered before the first await: its attachments arrive later
            stored = self._articles_in_hand.setdefault(key, asyncio.get_running_loop().create_future())
        fetched_at = utcnow()
        try:
            extraction, prepared, problem = await self._extract_async(page)
            parent = self._articles_in_hand.get(canonical_url(page.parent_url)) if page.parent_url else None
            if parent is not None and not parent.done():
                await asyncio.shield(parent)
            if stored is not None:  # attachments may go once this page's batch is written
                self._stored_later().add_done_callback(lambda _f, k=key: self._release(k))
                stored = None
            self._add(self._page_result(page, extraction, prepared, problem, fetched_at))
        finally:
            if stored is not None:
                self._release(key)

    def _release(self, key: str) -> None:
        future = self._articles_in_hand.pop(key, None)
        if future is not None and not future.done():
            future.set_result(None)

    async def _extract_async(self, page: ArticlePage) -> tuple[Extraction | None, Prepared | None, str | None]:
        if page.kind == "attachment" or not self.workers or page.status != 200 or _rejection(page):
            return self._extract(page)
        if self._feed is None:
            self._feed = extract_worker.Feed(extract_worker.Job(self.encoding, self.boilerplate, self.source_name or ""),
                                             self.workers)
        try:
            extraction, prepared = await self._feed.extract(page.body, page.url, page.http_charset)
        except Exception as exc:  # a dead worker must not stop the crawl; the page is recorded with the reason
            logger.warning("extraction failed for %s: %s", page.url, exc)
            reason = str(exc) if isinstance(exc, extract_worker.ExtractionFailed) else f"{type(exc).__name__}: {exc}"
            return None, None, f"extraction failed: {reason}"
        if not extraction.text:
            return self._checked(extraction)
        return extraction, prepared, None

    def _fields(self, page: ArticlePage, extraction: Extraction | None = None) -> dict[str, Any]:
        return dict(url=page.url, kind=page.kind, status=page.status, elapsed_ms=page.elapsed_ms,
                    size=len(page.body), content_type=page.content_type, etag=page.etag,
                    last_modified=page.last_modified, encoding=extraction.encoding if extraction else None,
                    **_capture_fields(page.capture))

    def _extract(self, page: ArticlePage) -> tuple[Extraction | None, Prepared | None, str | None]:
        if page.status == 304:
            return None, None, "304 Not Modified for a page that is not archived"
        if page.kind == "attachment":
            try:
                extraction = extract_attachment(page.body, page.url, page.content_type)
            except UnsupportedAttachment as exc:
                return None, None, str(exc)
            if not extraction.text:
                return self._checked(extraction)
            return extraction, prepare(extraction.title or extraction.metadata.title, extraction.text_norm), None
        if rejection := _rejection(page):
            return None, None, rejection
        extraction, prepared = extract_worker.extract_html(page.body, page.url, page.http_charset, self.encoding,
                                             self.boilerplate, self.source_name or "")
        if not extraction.text:
            return self._checked(extraction)
        return extraction, prepared, None

    @staticmethod
    def _checked(extraction: Extraction) -> tuple[Extraction | None, Prepared | None, str | None]:
        return extraction, None, f"no main text ({extraction.reason or 'empty'})"

    def _page_result(self, page: ArticlePage, extraction: Extraction | None, prepared: Prepared | None,
                     problem: str | None, fetched_at: dt.datetime) -> Result:
        fields = self._fields(page, extraction)
        if problem:
            return Result(fetch_row(outcome="error", error=problem, fetched_at=fetched_at, **fields))
        assert extraction is not None
        damage = f"{extraction.replaced} undecodable bytes replaced ({extraction.encoding})" \
            if extraction.replaced else None
        return Result(fetch_row(outcome="pending", error=damage, fetched_at=fetched_at, **fields), extraction,
                      prepared, parent_url=page.parent_url)
