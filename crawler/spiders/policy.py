"""The config-driven spider: discovers articles through listings, feeds and sitemaps of one source."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
import scrapy.signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from archive.urls import canonical_url
from crawler.items import ArticlePage, FetchNote
from crawler.sources import Source


def _elapsed_ms(response: Response) -> int | None:
    latency = response.meta.get("download_latency")
    return int(latency * 1000) if latency is not None else None


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _http_charset(content_type: str | None) -> str | None:
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    return m.group(1) if m else None


class PolicySpider(scrapy.Spider):
    name = "policy"

    def __init__(self, source: Source, max_pages: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.max_pages = max_pages or source.max_pages
        self._articles_seen: set[str] = set()
        # no allow_domains here: LinkExtractor compares it with host:port, so it drops every link of a site on a port
        self._links = LinkExtractor(unique=True)
        self._article_res = [re.compile(p) for p in source.article_patterns]
        self._follow_res = [re.compile(p) for p in source.follow_patterns]
        self._rechecked = False

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
        """At the end, archived articles no listing linked this time are fetched once more: a 404/410 is a removal."""
        if self._rechecked:
            return
        self._rechecked = True
        pending = [u for u in self._known_urls() if canonical_url(u) not in self._articles_seen]
        for url in pending:
            self._articles_seen.add(canonical_url(url))
            self.crawler.engine.crawl(scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                                                     cb_kwargs={"kind": "article"}))
        if pending:
            raise DontCloseSpider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.source.start_urls:
            if self._is_article(url):  # a start URL may itself be an article (e.g. a pinned document)
                if request := self._article_request(url):
                    yield request
                continue
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error, cb_kwargs={"kind": "listing"})
        for url in self.source.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.on_error, cb_kwargs={"kind": "feed"})
        for url in self.source.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error,
                                 cb_kwargs={"kind": "sitemap"})

    def _article_request(self, url: str) -> scrapy.Request | None:
        """One request per canonical article URL per crawl (tracking parameters dropped), up to max_pages."""
        key = canonical_url(url)
        if key in self._articles_seen:
            return None
        if self.max_pages and len(self._articles_seen) >= self.max_pages:
            return None
        self._articles_seen.add(key)
        return scrapy.Request(key, callback=self.parse_article, errback=self.on_error, cb_kwargs={"kind": "article"})

    def _is_article(self, url: str) -> bool:
        """Patterns see the canonical URL, so '$'-anchored patterns still match links with tracking parameters."""
        key = canonical_url(url)
        return any(r.search(key) for r in self._article_res)

    def _is_listing(self, url: str) -> bool:
        key = canonical_url(url)
        return any(r.search(key) for r in self._follow_res) and not self._is_article(url)

    def _note(self, response: Response, kind: str, outcome: str = "listing", error: str | None = None) -> FetchNote:
        return FetchNote(url=response.url, kind=kind, outcome=outcome, status=response.status, error=error,
                         elapsed_ms=_elapsed_ms(response), size=len(response.body),
                         content_type=_header(response, "Content-Type"))

    def parse_listing(self, response: Response, kind: str) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield self._note(response, kind, "error", "listing is not a text page")
            return
        yield self._note(response, kind)
        for link in self._links.extract_links(response):
            if not self._allowed(link.url):
                continue
            if self._is_article(link.url):
                if request := self._article_request(link.url):
                    yield request
            elif self._is_listing(link.url):
                yield scrapy.Request(canonical_url(link.url), callback=self.parse_listing, errback=self.on_error,
                                     cb_kwargs={"kind": "listing"})

    def parse_feed(self, response: Response, kind: str) -> Iterator[Any]:
        yield self._note(response, kind)
        try:
            selector = scrapy.Selector(text=response.body.decode("utf-8", "replace").lstrip("\ufeff"), type="xml")
        except ValueError as exc:
            yield self._note(response, kind, "error", f"unparseable feed: {exc}")
            return
        links = selector.xpath("//*[local-name()='item']/*[local-name()='link']/text()"
                               " | //*[local-name()='entry']/*[local-name()='link']/@href").getall()
        for link in links:
            url = response.urljoin(link.strip())
            if self._allowed(url) and (request := self._article_request(url)):
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
            elif self._is_article(url) and self._allowed(url) and (request := self._article_request(url)):
                yield request

    def _allowed(self, url: str) -> bool:
        host = scrapy.utils.url.parse_url(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.source.allowed_domains)

    def parse_article(self, response: Response, kind: str) -> Iterator[Any]:
        content_type = _header(response, "Content-Type")
        yield ArticlePage(url=response.url, status=response.status, body=response.body, content_type=content_type,
                          http_charset=_http_charset(content_type), elapsed_ms=_elapsed_ms(response),
                          etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"))

    def on_error(self, failure: Any) -> Iterator[FetchNote]:
        request = failure.request
        kind = request.cb_kwargs.get("kind", "article")
        if failure.check(HttpError):
            response = failure.value.response
            yield self._note(response, kind, "error", f"HTTP {response.status}")
            return
        from scrapy.exceptions import IgnoreRequest

        outcome = "skipped" if failure.check(IgnoreRequest) else "error"
        message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        yield FetchNote(url=request.url, kind=kind, outcome=outcome, error=message)
