"""The config-driven spider: discovers articles through listings, feeds and sitemaps of one source."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from typing import Any

import scrapy
import scrapy.signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from scrapy.utils.url import parse_url

from crawler.discovery import URL_CACHE_SIZE, PageLinks, attachment_links, next_links, trs_next_page
from crawler.items import ArticlePage, Capture, FetchNote
from crawler.sources import Source
from crawler.state import CrawlState, parse_lastmod
from crawler.state import cached_canonical_url as canonical_url

ATTACHMENT_MAXSIZE = 10 * 1024 * 1024
_FAILURE_HINTS = {"ResponseDataLossError": "connection closed before the whole body arrived (truncated)",
                  "ResponseFailed": "connection failed while reading the response"}


def _elapsed_ms(response: Response) -> int | None:
    latency = response.meta.get("download_latency")
    return int(latency * 1000) if latency is not None else None


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


# Servers (Apache, Tomcat) label everything ISO-8859-1 by default; on a Chinese page that label is never meant,
# and trusting it turns GBK text into mojibake, so it counts as no label at all.
_DEFAULT_CHARSETS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii"}


def http_charset(content_type: str | None) -> str | None:
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    return m.group(1) if m and m.group(1).lower() not in _DEFAULT_CHARSETS else None


def _capture(response: Response) -> Capture | None:
    pointer = response.meta.get("warc")
    if pointer is None:
        return None
    return Capture(pointer.path, pointer.offset, pointer.length, pointer.payload_digest)


class PolicySpider(scrapy.Spider):
    name = "policy"

    def __init__(self, source: Source, max_pages: int = 0, state: CrawlState | None = None, backfill: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.max_pages = max_pages or source.max_pages
        self.state = state or CrawlState()
        self.backfill = backfill
        self.not_due = 0  # known articles left alone by the revisit policy
        self._articles_seen: set[str] = set()
        # the links LinkExtractor(unique=True) found, without its cost. No domain filter there (LinkExtractor's
        # allow_domains compares host:port, so it would drop every link of a site on a port): _allowed decides.
        self._links = PageLinks()
        self._article_res = [re.compile(p) for p in source.article_patterns]
        self._follow_res = [re.compile(p) for p in source.follow_patterns]
        # verdicts on a URL depend on the URL alone, and listing pages repeat their pager and navigation links
        self._host_allowed = lru_cache(maxsize=URL_CACHE_SIZE)(self._host_allowed_uncached)
        self._link_kind = lru_cache(maxsize=URL_CACHE_SIZE)(self._link_kind_uncached)
        self._rechecked = False
        self._not_due_seen: set[str] = set()  # linked this crawl but left alone by the revisit policy

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PolicySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.recheck_known, signal=scrapy.signals.spider_idle)
        return spider

    def _known_urls(self) -> list[str]:
        settings = self.crawler.settings
        if not settings.get("POLICY_ARCHIVE_DB") or settings.get("POLICY_ARCHIVE_SOURCE_ID") is None:
            return []
        from archive.db import Database
        from archive.events import known_article_urls

        db = Database(settings.get("POLICY_ARCHIVE_DB"), migrate=False)
        try:
            with db.unit_of_work() as session:
                return known_article_urls(session, settings.getint("POLICY_ARCHIVE_SOURCE_ID"))
        finally:
            db.dispose()

    def recheck_known(self) -> None:
        """At the end, archived articles no listing linked this time are checked again: a 404/410 is a removal."""
        if self._rechecked:
            return
        self._rechecked = True
        # linked anywhere this crawl means still published; the rest are asked when the revisit policy says they are
        # due (so a removal is noticed within one revisit interval), with the last fetch's validators: a page that is
        # still there costs a 304
        linked = self._articles_seen | self._not_due_seen
        pending = [canonical_url(u) for u in self._known_urls()
                   if canonical_url(u) not in linked and self.state.due(u)]
        for url in pending:
            self._articles_seen.add(url)
            self.crawler.engine.crawl(self._conditional(url, self.parse_article, "article"))
        if pending:
            raise DontCloseSpider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.source.start_urls:
            if self._is_article(url):  # a start URL may itself be an article (e.g. a pinned document)
                if request := self._article_request(url):
                    yield request
                continue
            yield self._listing_request(url)
        for url in self.source.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error, cb_kwargs={"kind": "feed"})
        for url in self.source.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error,
                                 cb_kwargs={"kind": "sitemap"})

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(canonical_url(url), callback=self.parse_listing, errback=self.on_error,
                              cb_kwargs={"kind": "listing"})

    def _article_request(self, url: str, lastmod: dt.datetime | None = None) -> scrapy.Request | None:
        """One request per canonical article URL per crawl, when the revisit policy says it is due."""
        key = canonical_url(url)
        if key in self._articles_seen:
            return None
        if self.max_pages and len(self._articles_seen) >= self.max_pages:
            return None
        if not self.state.due(key, lastmod):
            # not marked as seen: a sitemap <lastmod> met later in this crawl may still make it due
            if key not in self._not_due_seen:
                self._not_due_seen.add(key)
                self.not_due += 1
            return None
        self._articles_seen.add(key)
        return self._conditional(key, self.parse_article, "article")

    def _conditional(self, url: str, callback: Any, kind: str, **meta: Any) -> scrapy.Request:
        """A GET carrying the validators of the last fetch; 304 reaches the callback instead of the errback."""
        # dont_filter: this spider already fetches each article once per crawl; Scrapy's duplicate filter would
        # otherwise drop the second hop of a redirect loop silently, leaving no fetch row and no reason.
        return scrapy.Request(url, callback=callback, errback=self.on_error, headers=self.state.validators(url),
                              cb_kwargs={"kind": kind}, meta={"handle_httpstatus_list": [304], **meta},
                              dont_filter=True)

    def _is_article(self, url: str) -> bool:
        """Patterns see the canonical URL, so '$'-anchored patterns still match links with tracking parameters."""
        key = canonical_url(url)
        return any(r.search(key) for r in self._article_res)

    def _is_listing(self, url: str) -> bool:
        key = canonical_url(url)
        return any(r.search(key) for r in self._follow_res) and not self._is_article(url)

    def _link_kind_uncached(self, url: str) -> str | None:
        """'article', 'listing' or None for a link on a listing page (through self._link_kind, cached)."""
        if not self._allowed(url):
            return None
        if self._is_article(url):
            return "article"
        return "listing" if self._is_listing(url) else None

    def _note(self, response: Response, kind: str, outcome: str = "listing", error: str | None = None) -> FetchNote:
        return FetchNote(url=response.url, kind=kind, outcome=outcome, status=response.status, error=error,
                         elapsed_ms=_elapsed_ms(response), size=len(response.body),
                         content_type=_header(response, "Content-Type"), capture=_capture(response))

    def _keep_paginating(self, response: Response, articles: list[str]) -> bool:
        """Stop once a page holds only archived articles, unless back-filling (then up to backfill_depth)."""
        if self.backfill:
            depth = self.source.backfill_depth
            return not depth or response.meta.get("depth", 0) < depth
        return not articles or not all(self.state.is_known(u) for u in articles)

    def parse_listing(self, response: Response, kind: str) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield self._note(response, kind, "error", "listing is not a text page")
            return
        yield self._note(response, kind)
        articles, listings = [], []
        for url in self._links.urls(response):
            link_kind = self._link_kind(url)
            if link_kind == "article":
                articles.append(url)
            elif link_kind == "listing":
                listings.append(url)
        for url in articles:
            if request := self._article_request(url):
                yield request
        if not self._keep_paginating(response, articles):
            return
        trs = trs_next_page(response)
        for url in dict.fromkeys(canonical_url(u) for u in [*([trs] if trs else []), *next_links(response), *listings]):
            if self._allowed(url) and not self._is_article(url):
                yield self._listing_request(url)

    def parse_feed(self, response: Response, kind: str) -> Iterator[Any]:
        yield self._note(response, kind)
        try:
            selector = scrapy.Selector(text=response.body.decode("utf-8", "replace").lstrip("\ufeff"), type="xml")
        except ValueError as exc:
            yield self._note(response, kind, "error", f"unparseable feed: {exc}")
            return
        entries = selector.xpath("//*[local-name()='item' or local-name()='entry']")
        for entry in entries:
            link = (entry.xpath("./*[local-name()='link']/@href").get()
                    or entry.xpath("./*[local-name()='link']/text()").get() or "")
            updated = entry.xpath("./*[local-name()='updated']/text()").get()
            url = response.urljoin(link.strip())
            if link.strip() and self._allowed(url) and (request := self._article_request(url, parse_lastmod(updated))):
                yield request

    def parse_sitemap(self, response: Response, kind: str) -> Iterator[Any]:
        yield self._note(response, kind)
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body)
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several types on junk
            yield self._note(response, kind, "error", f"unparseable sitemap: {exc}")
            return
        for entry in sitemap:
            url = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error,
                                     cb_kwargs={"kind": "sitemap"})
            elif self._is_article(url) and self._allowed(url):
                lastmod = parse_lastmod(entry.get("lastmod") or entry.get("publication_date"))
                if request := self._article_request(url, lastmod):
                    yield request

    def _allowed(self, url: str) -> bool:
        return self._host_allowed(url)

    def _host_allowed_uncached(self, url: str) -> bool:
        host = parse_url(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.source.allowed_domains)

    def _page(self, response: Response, kind: str, parent_url: str | None = None) -> ArticlePage:
        content_type = _header(response, "Content-Type")
        known = self.state.get(response.request.url if response.request else response.url)
        return ArticlePage(url=response.url, status=response.status, body=response.body, content_type=content_type,
                           http_charset=http_charset(content_type), elapsed_ms=_elapsed_ms(response),
                           etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
                           capture=_capture(response), kind=kind, parent_url=parent_url,
                           known_document_id=known.document_id if known else None,
                           known_digest=known.payload_digest if known else None)

    def parse_article(self, response: Response, kind: str) -> Iterator[Any]:
        yield self._page(response, kind)
        if response.status != 200 or not isinstance(response, TextResponse):
            return
        for url, _text in attachment_links(response):
            if self._allowed(url) and canonical_url(url) not in self._articles_seen:
                self._articles_seen.add(canonical_url(url))
                yield self._conditional(canonical_url(url), self.parse_attachment, "attachment",
                                        download_maxsize=ATTACHMENT_MAXSIZE, parent_url=response.url)

    def parse_attachment(self, response: Response, kind: str) -> Iterator[Any]:
        yield self._page(response, kind, parent_url=response.meta.get("parent_url"))

    def on_error(self, failure: Any) -> Iterator[FetchNote]:
        request = failure.request
        kind = request.cb_kwargs.get("kind", "article")
        if failure.check(HttpError):
            response = failure.value.response
            yield self._note(response, kind, "error", f"HTTP {response.status}")
            return
        detail = failure.getErrorMessage() or _FAILURE_HINTS.get(failure.type.__name__, "no detail")
        message = f"{failure.type.__name__}: {detail}"
        robots = failure.check(IgnoreRequest) and "robots" in message.lower()
        yield FetchNote(url=request.url, kind=kind, outcome="skipped" if robots else "error", error=message)
