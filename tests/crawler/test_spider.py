"""The spider on fixture responses: what it discovers from listings, feeds and sitemaps."""

from __future__ import annotations

import gzip

import scrapy
from scrapy.http import HtmlResponse, Request, XmlResponse

from crawler.items import FetchNote
from crawler.sources import parse_sources
from crawler.spiders.policy import PolicySpider

SOURCES = """
[[source]]
name = "gov"
allowed_domains = ["gov.example.cn"]
start_urls = ["http://gov.example.cn/list/index.html"]
follow_patterns = ['/list/index(_\\d+)?\\.html$']
article_patterns = ['/art/\\d{4}/\\d+\\.html$']
"""

LISTING = """<html><body>
<a href="/art/2024/1.html">一</a> <a href="/art/2024/1.html#top">一（锚点）</a>
<a href="http://gov.example.cn/art/2024/2.html?utm_source=wx">二</a>
<a href="http://elsewhere.cn/art/2024/3.html">外站</a>
<a href="/list/index_1.html">下一页</a> <a href="/about.html">关于</a>
</body></html>"""


def _spider(max_pages: int = 0) -> PolicySpider:
    return PolicySpider(parse_sources(SOURCES)["gov"], max_pages=max_pages)


def _response(url: str, body: str | bytes, cls=HtmlResponse) -> HtmlResponse:  # noqa: ANN001
    data = body.encode("utf-8") if isinstance(body, str) else body
    return cls(url=url, body=data, encoding="utf-8", request=Request(url))


def _split(outputs: list) -> tuple[list[str], list[str], list]:  # noqa: ANN001
    articles = [o.url for o in outputs if isinstance(o, scrapy.Request) and o.callback.__name__ == "parse_article"]
    listings = [o.url for o in outputs if isinstance(o, scrapy.Request) and o.callback.__name__ == "parse_listing"]
    notes = [o for o in outputs if isinstance(o, FetchNote)]
    return articles, listings, notes


def test_listing_yields_each_article_once_and_follows_pagination() -> None:
    out = list(_spider().parse_listing(_response("http://gov.example.cn/list/index.html", LISTING), kind="listing"))
    articles, listings, notes = _split(out)
    assert articles == ["http://gov.example.cn/art/2024/1.html",
                        "http://gov.example.cn/art/2024/2.html"]
    assert listings == ["http://gov.example.cn/list/index_1.html"]
    assert notes[0].kind == "listing" and notes[0].status == 200


def test_max_pages_caps_articles() -> None:
    out = list(_spider(max_pages=1).parse_listing(_response("http://gov.example.cn/list/index.html", LISTING),
                                                  kind="listing"))
    assert len(_split(out)[0]) == 1


def test_rss_and_atom_feeds() -> None:
    rss = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
    <item><title>一</title><link>http://gov.example.cn/art/2024/1.html</link></item>
    <item><title>外</title><link>http://elsewhere.cn/art/2024/9.html</link></item></channel></rss>"""
    atom = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
    <entry><link href="http://gov.example.cn/art/2024/5.html"/></entry></feed>"""
    spider = _spider()
    out = list(spider.parse_feed(_response("http://gov.example.cn/rss.xml", rss, XmlResponse), kind="feed"))
    out += list(spider.parse_feed(_response("http://gov.example.cn/atom.xml", atom, XmlResponse), kind="feed"))
    assert _split(out)[0] == ["http://gov.example.cn/art/2024/1.html", "http://gov.example.cn/art/2024/5.html"]


def test_gzipped_sitemap_index_and_urlset() -> None:
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>http://gov.example.cn/sitemap-1.xml.gz</loc></sitemap></sitemapindex>"""
    urlset = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>http://gov.example.cn/art/2023/7.html</loc><lastmod>2023-05-01</lastmod></url>
    <url><loc>http://gov.example.cn/about.html</loc></url></urlset>"""
    spider = _spider()
    out = list(spider.parse_sitemap(_response("http://gov.example.cn/sitemap.xml", index, XmlResponse),
                                    kind="sitemap"))
    assert [o.url for o in out if isinstance(o, scrapy.Request)] == ["http://gov.example.cn/sitemap-1.xml.gz"]
    gz = scrapy.http.Response(url="http://gov.example.cn/sitemap-1.xml.gz", body=gzip.compress(urlset),
                              request=Request("http://gov.example.cn/sitemap-1.xml.gz"))
    out = list(spider.parse_sitemap(gz, kind="sitemap"))
    assert _split(out)[0] == ["http://gov.example.cn/art/2023/7.html"]


def test_non_text_listing_is_recorded_as_error() -> None:
    response = scrapy.http.Response(url="http://gov.example.cn/list/index.html", body=b"\x00\x01",
                                    request=Request("http://gov.example.cn/list/index.html"))
    notes = [o for o in _spider().parse_listing(response, kind="listing") if isinstance(o, FetchNote)]
    assert notes[0].outcome == "error" and "not a text page" in notes[0].error


def _known_state(*urls: str, due: bool = False):  # noqa: ANN202
    import datetime as dt

    from archive.fetches import KnownUrl
    from crawler.state import CrawlState

    now = dt.datetime(2026, 1, 1)
    check = now - dt.timedelta(hours=1) if due else now + dt.timedelta(days=3)
    known = {u: KnownUrl(u, i + 1, now - dt.timedelta(days=1), f'"e{i}"', None, "sha1:A", check)
             for i, u in enumerate(urls)}
    return CrawlState(known, now)


def test_all_known_listing_stops_paginating_unless_backfilling() -> None:
    known = _known_state("http://gov.example.cn/art/2024/1.html", "http://gov.example.cn/art/2024/2.html")
    source = parse_sources(SOURCES)["gov"]
    response = _response("http://gov.example.cn/list/index.html", LISTING)
    articles, listings, _ = _split(list(PolicySpider(source, state=known).parse_listing(response, kind="listing")))
    assert articles == [] and listings == []  # known and not due: nothing to fetch, no next page
    backfill = PolicySpider(source, state=known, backfill=True)
    assert _split(list(backfill.parse_listing(response, kind="listing")))[1] == ["http://gov.example.cn/list/index_1.html"]


def test_due_known_article_is_requested_with_its_validators() -> None:
    known = _known_state("http://gov.example.cn/art/2024/1.html", due=True)
    spider = PolicySpider(parse_sources(SOURCES)["gov"], state=known)
    out = list(spider.parse_listing(_response("http://gov.example.cn/list/index.html", LISTING), kind="listing"))
    requests = {o.url: o for o in out if isinstance(o, scrapy.Request) and o.callback.__name__ == "parse_article"}
    assert requests["http://gov.example.cn/art/2024/1.html"].headers.get("If-None-Match") == b'"e0"'
    assert requests["http://gov.example.cn/art/2024/1.html"].meta["handle_httpstatus_list"] == [304]
    assert b"If-None-Match" not in requests["http://gov.example.cn/art/2024/2.html"].headers  # never fetched
    assert _split(out)[1] == ["http://gov.example.cn/list/index_1.html"]  # page 1 holds an unknown article


def test_trs_listing_follows_the_javascript_pager() -> None:
    page = LISTING.replace('<a href="/list/index_1.html">下一页</a>', "") + \
        '<script>createPageHTML(3, 0, "index", "html");</script>'
    out = list(_spider().parse_listing(_response("http://gov.example.cn/list/index.html", page), kind="listing"))
    assert _split(out)[1] == ["http://gov.example.cn/list/index_1.html"]
