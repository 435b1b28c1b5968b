"""Item pipeline: extract each article page with corpus and write fetch + version rows in one unit of work."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from typing import Any

from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from archive.boilerplate import load_learned
from archive.db import Database
from archive.events import document_gone
from archive.fetches import (
    document_id_for_url,
    mark_attachment,
    revisit_at,
    schedule_revisit,
    set_next_check,
    touch_document,
)
from archive.models import utcnow
from archive.store import record_fetch, store_extraction, store_pieces
from archive.urls import canonical_url, choose_document_url
from corpus import Extraction, extract_page
from crawler.attachments import UnsupportedAttachment, extract_attachment
from crawler.items import ArticlePage, Capture, FetchNote
from crawler.sources import RevisitPolicy

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


def _extract_html(body: bytes, url: str, http_charset: str | None, override: str | None,
                  boilerplate: frozenset[str] = frozenset(), source: str = "") -> Extraction:
    """Module-level so a worker process can run it."""
    return extract_page(body, url, http_charset=http_charset, encoding_override=override, boilerplate=boilerplate,
                        boilerplate_source=source)


def default_workers() -> int:
    """Extraction processes beside the crawl process; 0 (extract in the crawl process) unless configured.

    Real crawls wait on politeness delays, not on extraction; on the shared 2-CPU benchmark box worker processes
    gave no gain (BENCHMARKS.md), so they are opt-in via POLICY_ARCHIVE_EXTRACT_WORKERS.
    """
    return 0


def _unchanged(page: ArticlePage) -> bool:
    """304, or the same bytes as last time: nothing to extract."""
    if page.known_document_id is None:
        return False
    digest = page.capture.payload_digest if page.capture else None
    return page.status == 304 or bool(digest and digest == page.known_digest)


class ArchivePipeline:
    """Each page is its own transaction: a crash loses at most the page in hand.

    Extraction is CPU work, so it runs in worker processes (`workers`, 0 = in this process) while this process
    keeps fetching and writing; an attachment waits until its article has been stored, so it can point to it.
    """

    def __init__(self, db_url: str, source_name: str, source_id: int, run_id: int | None, encoding: str,
                 revisit: RevisitPolicy | None = None, workers: int = 0) -> None:
        self.db = Database(db_url, migrate=False)
        self.source_name = source_name
        self.source_id = source_id
        self.run_id = run_id
        self.encoding = encoding or None
        self.revisit = revisit or RevisitPolicy(3600, 7 * 86400, 30)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._articles_in_hand: dict[str, asyncio.Future[None]] = {}
        self.boilerplate: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        s = crawler.settings
        if not s.get("POLICY_ARCHIVE_DB") or s.get("POLICY_ARCHIVE_SOURCE_ID") is None:
            raise NotConfigured("POLICY_ARCHIVE_DB and POLICY_ARCHIVE_SOURCE_ID are required")
        young, old, days = s.getlist("POLICY_ARCHIVE_REVISIT") or (3600, 7 * 86400, 30)
        return cls(s.get("POLICY_ARCHIVE_DB"), s.get("POLICY_ARCHIVE_SOURCE"), s.getint("POLICY_ARCHIVE_SOURCE_ID"),
                   s.getint("POLICY_ARCHIVE_RUN_ID") or None, s.get("POLICY_ARCHIVE_ENCODING", ""),
                   RevisitPolicy(int(young), int(old), int(days)),
                   s.getint("POLICY_ARCHIVE_EXTRACT_WORKERS", default_workers()))

    def open_spider(self, spider: Any = None) -> None:
        # the source's learned boilerplate lines (`policy-archive boilerplate learn`), read once per crawl; an
        # archive without them (not yet migrated) crawls as before rather than not at all
        try:
            with self.db.unit_of_work() as session:
                self.boilerplate = load_learned(session, self.source_name) if self.source_name else frozenset()
        except SQLAlchemyError:
            logger.warning("learned boilerplate of %s not readable; crawling without it", self.source_name,
                           exc_info=True)

    def close_spider(self, spider: Any = None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self.db.dispose()

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, FetchNote):
            self._store_note(item)
        elif isinstance(item, ArticlePage):
            if _unchanged(item):
                self._store_unchanged(item)
            else:
                await self._process_page(item)
        return item

    async def _process_page(self, page: ArticlePage) -> None:
        key = canonical_url(page.url)
        stored: asyncio.Future[None] | None = None
        if page.kind == "article":  # registered before the first await: its attachments arrive later
            stored = self._articles_in_hand.setdefault(key, asyncio.get_running_loop().create_future())
        try:
            extraction, problem = await self._extract_async(page)
            parent = self._articles_in_hand.get(canonical_url(page.parent_url)) if page.parent_url else None
            if parent is not None and not parent.done():
                await asyncio.shield(parent)
            self._store_article(page, extraction, problem)
        finally:
            if stored is not None and not stored.done():
                stored.set_result(None)
            self._articles_in_hand.pop(key, None)

    async def _extract_async(self, page: ArticlePage) -> tuple[Extraction | None, str | None]:
        if page.kind == "attachment" or not self.workers or page.status != 200 or _rejection(page):
            return self._extract(page)
        if self._pool is None:  # spawn: the crawl process runs a reactor and threads that fork would copy
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            extraction = await asyncio.get_running_loop().run_in_executor(
                self._pool, _extract_html, page.body, page.url, page.http_charset, self.encoding, self.boilerplate,
                self.source_name or "")
        except Exception as exc:  # a dead worker must not stop the crawl; the page is recorded with the reason
            logger.exception("extraction worker failed for %s", page.url)
            return None, f"extraction failed: {type(exc).__name__}: {exc}"
        return self._checked(extraction)

    def _record(self, session: Any, url: str, outcome: str, **fields: Any) -> Any:
        return record_fetch(session, source_id=self.source_id, run_id=self.run_id, url=url, outcome=outcome, **fields)

    def _store_note(self, note: FetchNote) -> None:
        with self.db.unit_of_work() as session:
            self._record(session, note.url, note.outcome, kind=note.kind, status=note.status, error=note.error,
                         elapsed_ms=note.elapsed_ms, size=note.size, content_type=note.content_type,
                         **_capture_fields(note.capture))
            if note.kind == "article" and note.status in (404, 410):
                document_gone(session, note.url, note.status)

    def _fields(self, page: ArticlePage, extraction: Extraction | None = None) -> dict[str, Any]:
        return dict(kind=page.kind, status=page.status, elapsed_ms=page.elapsed_ms, size=len(page.body),
                    content_type=page.content_type, etag=page.etag, last_modified=page.last_modified,
                    encoding=extraction.encoding if extraction else None, **_capture_fields(page.capture))

    def _revisit(self, session: Any, document_id: int, published: str | None = None, fresh: bool = False) -> None:
        """Set the document's next check; a just-extracted page gives its own date, so no query is needed."""
        r = self.revisit
        now = utcnow()
        if not fresh:
            schedule_revisit(session, document_id, now, r.young_seconds, r.old_seconds, r.young_days)
            return
        try:
            born = dt.datetime.fromisoformat(published[:10]) if published else now
        except ValueError:
            born = now
        set_next_check(session, document_id, revisit_at(now, born, r.young_seconds, r.old_seconds, r.young_days))

    def _store_unchanged(self, page: ArticlePage) -> None:
        assert page.known_document_id is not None
        with self.db.unit_of_work() as session:
            fetch = self._record(session, page.url, "unchanged", document_id=page.known_document_id,
                                 **self._fields(page))
            touch_document(session, page.known_document_id, fetch.fetched_at)
            self._revisit(session, page.known_document_id)

    def _extract(self, page: ArticlePage) -> tuple[Extraction | None, str | None]:
        if page.status == 304:
            return None, "304 Not Modified for a page that is not archived"
        if page.kind == "attachment":
            try:
                extraction = extract_attachment(page.body, page.url, page.content_type)
            except UnsupportedAttachment as exc:
                return None, str(exc)
        else:
            if rejection := _rejection(page):
                return None, rejection
            extraction = _extract_html(page.body, page.url, page.http_charset, self.encoding, self.boilerplate,
                                       self.source_name or "")
        return self._checked(extraction)

    @staticmethod
    def _checked(extraction: Extraction) -> tuple[Extraction | None, str | None]:
        if not extraction.text:
            return extraction, f"no main text ({extraction.reason or 'empty'})"
        return extraction, None

    def _store_article(self, page: ArticlePage, extraction: Extraction | None, problem: str | None) -> None:
        fields = self._fields(page, extraction)
        with self.db.unit_of_work() as session:
            if problem:
                self._record(session, page.url, "error", error=problem, **fields)
                return
            assert extraction is not None
            if page.kind == "attachment":
                url = canonical_url(page.url)
            else:
                url = choose_document_url(page.url, extraction.canonical_url)
            damage = f"{extraction.replaced} undecodable bytes replaced ({extraction.encoding})" \
                if extraction.replaced else None
            fetch = self._record(session, page.url, "pending", error=damage, **fields)
            stored = store_extraction(session, source_id=self.source_id, url=url, extraction=extraction, fetch=fetch,
                                      seen_at=fetch.fetched_at)
            fetch.outcome = stored.outcome
            if extraction.pieces:  # a compilation: each piece becomes a child document of this one
                store_pieces(session, stored.document_id, extraction.pieces, extraction=extraction, fetch=fetch,
                             seen_at=fetch.fetched_at)
            fetch.document_id = stored.document_id
            if page.kind == "attachment":
                parent = document_id_for_url(session, canonical_url(page.parent_url)) if page.parent_url else None
                mark_attachment(session, stored.document_id, parent)
            self._revisit(session, stored.document_id, extraction.metadata.published, fresh=stored.outcome == "new")
        logger.info("%s %s (v%d)", stored.outcome, url, stored.version_number)
