"""CPU cost of the spider's discovery callbacks (parse_listing, parse_sitemap, parse_feed) on the replica site's
pages, the current spider against the one before this benchmark (kept below as LegacySpider), in one run.

The replica site (2000 generated articles, 20 per listing page: 100 listing pages, each linking 20 articles and all
100 pages) is started in-process and fetched once with urllib; every repetition then builds fresh HtmlResponse /
XmlResponse objects (so each pays for its own lxml parse, as in a crawl) and a fresh spider, empties the process-wide
canonical-URL cache, and times the callbacks with time.process_time. Best of --repeat. Before timing it checks that
both spiders yield the same requests (URL, callback, errback, cb_kwargs, meta, headers, flags) and notes, for a first
crawl, a crawl where everything is archived and not due, and a back-fill.

    .venv/bin/python benchmarks/listing_parse.py [--articles 2000] [--per-page 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import scrapy  # noqa: E402
from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse  # noqa: E402
from scrapy.linkextractors import LinkExtractor  # noqa: E402

from archive.urls import canonical_url  # noqa: E402
from crawler import state as crawl_state  # noqa: E402
from crawler.discovery import NEXT_LABELS, trs_next_page  # noqa: E402
from crawler.items import FetchNote  # noqa: E402
from crawler.sources import Source, parse_sources  # noqa: E402
from crawler.spiders.policy import PolicySpider  # noqa: E402
from crawler.state import CrawlState  # noqa: E402


def legacy_next_links(response: Any) -> list[str]:
    """crawler.discovery.next_links before this benchmark."""
    out = []
    for a in response.xpath("//a[@href]"):
        label = " ".join(a.xpath(".//text()").getall()).strip().lower()
        if not any(label == n or label.startswith(n) for n in NEXT_LABELS):
            continue
        url = urljoin(response.url, a.attrib["href"].strip())
        if urlsplit(url).scheme in ("http", "https"):
            out.append(url)
    return out


class LegacySpider(PolicySpider):
    """The spider's discovery code before this benchmark: a LinkExtractor, and every URL canonicalised and matched
    again at each question. parse_sitemap and parse_feed did not change; they run on these helpers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._links = LinkExtractor(unique=True)

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(canonical_url(url), callback=self.parse_listing, errback=self.on_error,
                              cb_kwargs={"kind": "listing"})

    def _article_request(self, url: str, lastmod: Any = None) -> scrapy.Request | None:
        key = canonical_url(url)
        if key in self._articles_seen:
            return None
        if self.max_pages and len(self._articles_seen) >= self.max_pages:
            return None
        if not self.state.due(key, lastmod):
            if key not in self._not_due_seen:
                self._not_due_seen.add(key)
                self.not_due += 1
            return None
        self._articles_seen.add(key)
        return self._conditional(key, self.parse_article, "article")

    def _is_article(self, url: str) -> bool:
        key = canonical_url(url)
        return any(r.search(key) for r in self._article_res)

    def _is_listing(self, url: str) -> bool:
        key = canonical_url(url)
        return any(r.search(key) for r in self._follow_res) and not self._is_article(url)

    def _allowed(self, url: str) -> bool:
        host = scrapy.utils.url.parse_url(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.source.allowed_domains)

    def parse_listing(self, response: Response, kind: str) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield self._note(response, kind, "error", "listing is not a text page")
            return
        yield self._note(response, kind)
        articles, listings = [], []
        for link in self._links.extract_links(response):
            if not self._allowed(link.url):
                continue
            if self._is_article(link.url):
                articles.append(link.url)
            elif self._is_listing(link.url):
                listings.append(link.url)
        for url in articles:
            if request := self._article_request(url):
                yield request
        if not self._keep_paginating(response, articles):
            return
        trs = trs_next_page(response)
        urls = [*([trs] if trs else []), *legacy_next_links(response), *listings]
        for url in dict.fromkeys(canonical_url(u) for u in urls):
            if self._allowed(url) and not self._is_article(url):
                yield self._listing_request(url)


def _source(base: str) -> Source:
    return parse_sources("\n".join([
        "[[source]]", 'name = "bench"', 'allowed_domains = ["127.0.0.1"]',
        f'start_urls = ["{base}/list/index.html"]', r"follow_patterns = ['/list/index(_\d+)?\.html$']",
        r"article_patterns = ['/art/\d{4}/\d+\.html$']", f'sitemaps = ["{base}/sitemap.xml"]',
        f'feeds = ["{base}/rss.xml"]', ""]))["bench"]


class Pages:
    """The fetched bytes, turned into new response objects on demand (each parses its own tree once)."""

    def __init__(self, site: Any) -> None:  # noqa: ANN401
        from replica.pages import listing_path, page_count

        n = page_count(len(site.articles), site.per_page)
        self.listings = [self._get(site.base_url + listing_path(i)) for i in range(n)]
        self.sitemap = self._get(site.base_url + "/sitemap.xml")
        self.feed = self._get(site.base_url + "/rss.xml")

    @staticmethod
    def _get(url: str) -> tuple[str, bytes, str]:
        with urllib.request.urlopen(url) as r:
            return url, r.read(), r.headers["Content-Type"]

    @staticmethod
    def response(page: tuple[str, bytes, str], cls: type[Response] = HtmlResponse) -> Response:
        url, body, content_type = page
        return cls(url=url, body=body, headers={"Content-Type": content_type}, request=Request(url))


def _signature(out: Any) -> tuple:  # noqa: ANN401
    if isinstance(out, scrapy.Request):
        return ("request", out.url, out.method, out.callback.__name__, getattr(out.errback, "__name__", None),
                out.cb_kwargs, out.meta, sorted(out.headers.items()), out.dont_filter, out.priority, out.body,
                out.flags)
    if isinstance(out, FetchNote):
        return ("note", out.url, out.kind, out.outcome, out.status, out.error, out.size, out.content_type)
    return ("other", repr(out))


def _crawl(cls: type[PolicySpider], source: Source, pages: Pages, state: Callable[[], CrawlState],
           backfill: bool = False) -> list[tuple]:
    spider = cls(source, state=state(), backfill=backfill)
    out = list(spider.parse_sitemap(pages.response(pages.sitemap, XmlResponse), kind="sitemap"))
    out += spider.parse_feed(pages.response(pages.feed, XmlResponse), kind="feed")
    for page in pages.listings:
        out += spider.parse_listing(pages.response(page), kind="listing")
    return [_signature(o) for o in out] + [("not_due", spider.not_due)]


def _all_known(source: Source, pages: Pages) -> Callable[[], CrawlState]:
    """Every article archived an hour ago and not due for a week: the crawl stops after the first listing page."""
    import datetime as dt

    from archive.fetches import KnownUrl

    now = dt.datetime(2026, 1, 1)
    spider = PolicySpider(source)
    urls = [req.url for req in spider.parse_sitemap(pages.response(pages.sitemap, XmlResponse), kind="sitemap")
            if isinstance(req, scrapy.Request)]
    known = {u: KnownUrl(u, i + 1, now - dt.timedelta(hours=1), f'"e{i}"', None, "sha1:A", now + dt.timedelta(days=7))
             for i, u in enumerate(urls)}
    return lambda: CrawlState(dict(known), now)


def check_same(source: Source, pages: Pages) -> None:
    scenarios = {"first crawl": (CrawlState, False), "all archived": (_all_known(source, pages), False),
                 "backfill, all archived": (_all_known(source, pages), True)}
    for name, (state, backfill) in scenarios.items():
        old = _crawl(LegacySpider, source, pages, state, backfill)
        new = _crawl(PolicySpider, source, pages, state, backfill)
        if old != new:
            diff = next(i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b) if len(old) == len(new) \
                else min(len(old), len(new))
            raise SystemExit(f"{name}: outputs differ at #{diff} of {len(old)}/{len(new)}:\n"
                             f"  old {old[diff] if diff < len(old) else None}\n"
                             f"  new {new[diff] if diff < len(new) else None}")
        requests = sum(1 for o in new if o[0] == "request")
        print(f"same output, {name}: {len(new) - 1} items, {requests} requests")


def _time(cls: type[PolicySpider], source: Source, pages: Pages, sitemap_first: bool) -> tuple[float, float]:
    """(CPU ms for the sitemap or 0, CPU ms per listing page) for one fresh spider."""
    crawl_state.cached_canonical_url.cache_clear()  # a crawl process starts with it empty
    spider = cls(source)
    sitemap_ms = 0.0
    if sitemap_first:
        response = pages.response(pages.sitemap, XmlResponse)
        start = time.process_time()
        for _ in spider.parse_sitemap(response, kind="sitemap"):
            pass
        sitemap_ms = (time.process_time() - start) * 1000
    responses = [pages.response(p) for p in pages.listings]
    start = time.process_time()
    for response in responses:
        for _ in spider.parse_listing(response, kind="listing"):
            pass
    return sitemap_ms, (time.process_time() - start) * 1000 / len(responses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from replica.generated import generate_articles
    from replica.site import ReplicaSite

    site = ReplicaSite(articles=generate_articles(args.articles), per_page=args.per_page).start()
    try:
        pages = Pages(site)
        source = _source(site.base_url)
    finally:
        site.stop()
    check_same(source, pages)

    impls = {"before": LegacySpider, "after": PolicySpider}
    best: dict[tuple[str, bool], list[float]] = {}
    for rep in range(args.repeat):
        order = list(impls.items()) if rep % 2 == 0 else list(reversed(impls.items()))
        for name, cls in order:
            for sitemap_first in (False, True):
                sitemap_ms, listing_ms = _time(cls, source, pages, sitemap_first)
                key = (name, sitemap_first)
                prev = best.get(key)
                best[key] = [min(prev[0], sitemap_ms) if prev else sitemap_ms,
                             min(prev[1], listing_ms) if prev else listing_ms]
    print(f"{len(pages.listings)} listing pages, {args.articles} articles in the sitemap, best of {args.repeat}, "
          "CPU time (time.process_time)")
    for sitemap_first, label in ((False, "listing pages alone"), (True, "sitemap first, then listing pages")):
        before, after = best[("before", sitemap_first)], best[("after", sitemap_first)]
        line = f"  {label:34} ms per listing page: before {before[1]:6.2f}  after {after[1]:6.2f}  " \
               f"({before[1] / after[1]:.1f}x)"
        if sitemap_first:
            line += f";  sitemap ms: before {before[0]:6.1f}  after {after[0]:6.1f}"
        print(line)


if __name__ == "__main__":
    main()
