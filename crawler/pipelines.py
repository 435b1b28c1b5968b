"""Item pipeline: extract each article page with corpus and write fetch + version rows in one unit of work."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import NotConfigured

from archive.db import Database
from archive.events import document_gone
from archive.store import record_fetch, store_extraction
from archive.urls import choose_document_url
from corpus import Extraction, extract_page
from crawler.items import ArticlePage, FetchNote

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


class ArchivePipeline:
    """Each page is its own transaction: a crash loses at most the page in hand."""

    def __init__(self, db_url: str, source_name: str, source_id: int, run_id: int | None, encoding: str) -> None:
        self.db = Database(db_url, migrate=False)
        self.source_name = source_name
        self.source_id = source_id
        self.run_id = run_id
        self.encoding = encoding or None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        s = crawler.settings
        if not s.get("POLICY_ARCHIVE_DB") or s.get("POLICY_ARCHIVE_SOURCE_ID") is None:
            raise NotConfigured("POLICY_ARCHIVE_DB and POLICY_ARCHIVE_SOURCE_ID are required")
        return cls(s.get("POLICY_ARCHIVE_DB"), s.get("POLICY_ARCHIVE_SOURCE"), s.getint("POLICY_ARCHIVE_SOURCE_ID"),
                   s.getint("POLICY_ARCHIVE_RUN_ID") or None, s.get("POLICY_ARCHIVE_ENCODING", ""))

    def close_spider(self, spider: Any = None) -> None:
        self.db.dispose()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, FetchNote):
            self._store_note(item)
        elif isinstance(item, ArticlePage):
            self._store_article(item)
        return item

    def _store_note(self, note: FetchNote) -> None:
        with self.db.unit_of_work() as session:
            record_fetch(session, source_id=self.source_id, run_id=self.run_id, url=note.url, kind=note.kind,
                         outcome=note.outcome, status=note.status, error=note.error, elapsed_ms=note.elapsed_ms,
                         size=note.size, content_type=note.content_type)
            if note.kind == "article" and note.status in (404, 410):
                document_gone(session, note.url, note.status)

    def _extract(self, page: ArticlePage) -> tuple[Extraction | None, str | None]:
        if rejection := _rejection(page):
            return None, rejection
        try:
            extraction = extract_page(page.body, page.url, http_charset=page.http_charset,
                                      encoding_override=self.encoding)
        except Exception as exc:  # corpus promises not to raise; if it does, record it and keep crawling
            logger.exception("extraction failed for %s", page.url)
            return None, f"extraction failed: {type(exc).__name__}: {exc}"
        if not extraction.text:
            return extraction, f"no main text ({extraction.reason or 'empty'})"
        return extraction, None

    def _store_article(self, page: ArticlePage) -> None:
        extraction, problem = self._extract(page)
        fields = dict(kind="article", status=page.status, elapsed_ms=page.elapsed_ms, size=len(page.body),
                      content_type=page.content_type, etag=page.etag, last_modified=page.last_modified,
                      encoding=extraction.encoding if extraction else None)
        with self.db.unit_of_work() as session:
            if problem:
                record_fetch(session, source_id=self.source_id, run_id=self.run_id, url=page.url,
                             outcome="error", error=problem, **fields)
                return
            assert extraction is not None
            url = choose_document_url(page.url, extraction.canonical_url)
            damage = f"{extraction.replaced} undecodable bytes replaced ({extraction.encoding})" \
                if extraction.replaced else None
            fetch = record_fetch(session, source_id=self.source_id, run_id=self.run_id, url=page.url,
                                 outcome="pending", error=damage, **fields)
            stored = store_extraction(session, source_id=self.source_id, url=url, extraction=extraction, fetch=fetch,
                                      seen_at=fetch.fetched_at)
            fetch.outcome = stored.outcome
            fetch.document_id = stored.document_id
        logger.info("%s %s (v%d)", stored.outcome, url, stored.version_number)
