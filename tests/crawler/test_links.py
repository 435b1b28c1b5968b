"""Listing-page link discovery: PageLinks finds exactly what scrapy's LinkExtractor(unique=True) found, across pages
that share its resolution cache, and the spider turns those links into the same requests."""

from __future__ import annotations

import scrapy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler.discovery import PageLinks, next_links
from crawler.sources import parse_sources
from crawler.spiders.policy import PolicySpider

HREFS = [
    "/art/2024/1.html", "/art/2024/1.html", "/art/2024/1.html#top", "/art/2024/1.html?utm_source=wx&id=3",
    "./2.html", "../up.html", "3.html", "", "?page=2", "#frag", " \n/spaces.html\t", "/a\tb.html", "/a\nb.html",
    "//other.example.cn/4.html", "//", "///5.html", "http://gov.example.cn/6.html", "HTTP://GOV.example.cn/7.html",
    "https://gov.example.cn/8.html", "http:", "http://", "http:9.html", "http:/10.html", "https:11.html",
    "javascript:void(0)", "JavaScript:go(2)", "mailto:office@gov.example.cn", "ftp://gov.example.cn/f.html",
    "file:///tmp/x.html", "/doc/a.pdf", "/doc/a.PDF?x=1", "/doc/a.doc;jsessionid=1", "/doc/a.wps", "/img/a.jpg",
    "/f.tar.gz", "/中文/路径.html?q=中文#段", "?q=政策", "http://[::1/bad", "http://例子.中国/x.html",
    "http://gov.example.cn:8080/p.html", "http://gov.example.cn:99999/p.html", "/%E4%B8%AD.html", "/a b.html",
    ";params", ";", "a:b/c.html", "./x:y.html", "/..", "../../../../z.html", ".", "..", "\\back\\slash.html",
]


def _page(url: str, hrefs: list[str], head: str = "", encoding: str = "utf-8") -> HtmlResponse:
    anchors = "".join(f'<a href="{h}">x</a>' for h in hrefs)
    body = f"<html><head>{head}</head><body>{anchors}<area href='/area.html'><a>no href</a>" \
           f"<link href='/style.html'></body></html>"
    return HtmlResponse(url=url, body=body.encode(encoding, "xmlcharrefreplace"), encoding=encoding,
                        request=Request(url))


def _reference(response: HtmlResponse) -> list[str]:
    return [link.url for link in LinkExtractor(unique=True).extract_links(response)]


PAGES = [
    ("http://gov.example.cn/list/index.html", ""),
    ("http://gov.example.cn/list/index_1.html?page=1", ""),  # same directory, other file and a query
    ("http://gov.example.cn/list/sub/index.html", ""),  # another directory
    ("https://gov.example.cn/list/index.html", ""),  # other scheme
    ("http://gov.example.cn:8080/list/index.html", ""),  # other port
    ("http://gov.example.cn/list/index_2.html", '<base href="/other/dir/page.html?b=1">'),  # <base href>
    ("http://gov.example.cn/list/index_3.html", '<base href="https://mirror.example.cn/list/">'),
    ("http://gov.example.cn/list/index_4.html", '<base href="sub/">'),  # relative base
]


def test_page_links_match_link_extractor_across_pages_sharing_the_cache() -> None:
    links = PageLinks()
    for encoding in ("utf-8", "gbk"):
        for url, head in PAGES * 2:  # the second round answers from the cache
            response = _page(url, HREFS, head, encoding)
            assert links.urls(response) == _reference(response), (url, head, encoding)


def test_page_links_in_an_xhtml_document() -> None:
    body = b"""<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>
    <a href="/1.html">1</a><area href="/2.html"/><x:a xmlns:x="urn:other" href="/3.html"/></body></html>"""
    response = XmlResponse(url="http://gov.example.cn/list/", body=body, request=Request("http://gov.example.cn/"))
    assert PageLinks().urls(response) == _reference(response) == ["http://gov.example.cn/1.html",
                                                                  "http://gov.example.cn/2.html"]


_HREF_CHARS = st.sampled_from(list("/./?#:;%&= \t\n\x01ab1中é\\") + ["//", "../", "http:", "https://", "http://h"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hrefs=st.lists(st.lists(_HREF_CHARS, max_size=8).map("".join), min_size=1, max_size=6))
def test_page_links_match_link_extractor_for_any_href(hrefs: list[str]) -> None:
    links = PageLinks()
    for url, head in PAGES:
        response = _page(url, [h.replace('"', "") for h in hrefs], head)
        assert links.urls(response) == _reference(response), (url, head)


SOURCES = """
[[source]]
name = "gov"
allowed_domains = ["gov.example.cn"]
start_urls = ["http://gov.example.cn/list/index.html"]
follow_patterns = ['/list/index(_\\d+)?\\.html$']
article_patterns = ['/art/']
"""

LISTING = """<html><head><base href="/art/2024/"></head><body>
<a href="1.html">一</a> <a href="1.html#top">一（锚点）</a> <a href="/art/2024/1.html?utm_source=wx">一（分享）</a>
<a href="./2.html">二</a> <a href="../2023/3.html">三</a> <a href="http://elsewhere.cn/art/2024/4.html">外站</a>
<a href="javascript:openArticle('5.html')">五</a> <a href="/art/2024/plan.pdf">附件</a> <a href="/art/2024/pic.jpg">图</a>
<a href="mailto:office@gov.example.cn">信箱</a> <a href="/list/index_1.html">下一页</a> <a href="/list/index_1.html">2</a>
<a href="/list/index_2.html#top">3</a> <a href="/about.html">关于</a>
</body></html>"""


def _requests(spider: PolicySpider, url: str) -> list[tuple]:
    response = HtmlResponse(url=url, body=LISTING.encode("utf-8"), encoding="utf-8", request=Request(url))
    return [(o.url, o.callback.__name__, o.cb_kwargs, o.meta, dict(o.headers), o.dont_filter)
            for o in spider.parse_listing(response, kind="listing") if isinstance(o, scrapy.Request)]


def test_listing_links_become_the_same_requests_on_every_page() -> None:
    spider = PolicySpider(parse_sources(SOURCES)["gov"])
    article = {"handle_httpstatus_list": [304]}
    listing_page = ("parse_listing", {"kind": "listing"}, {}, {}, False)
    first = _requests(spider, "http://gov.example.cn/list/index.html")
    assert first == [
        ("http://gov.example.cn/art/2024/1.html", "parse_article", {"kind": "article"}, article, {}, True),
        ("http://gov.example.cn/art/2024/2.html", "parse_article", {"kind": "article"}, article, {}, True),
        ("http://gov.example.cn/art/2023/3.html", "parse_article", {"kind": "article"}, article, {}, True),
        # no javascript:, mailto:, off-site, .pdf or .jpg link; the pager once per page, fragment dropped
        ("http://gov.example.cn/list/index_1.html", *listing_page),
        ("http://gov.example.cn/list/index_2.html", *listing_page),
    ]
    # a later page of the same listing resolves its links from the cache: the same pager, no article twice
    assert _requests(spider, "http://gov.example.cn/list/index_1.html") == first[3:]


def test_next_links_read_nested_labels_and_skip_javascript() -> None:
    body = """<a href="p3.html"><span>下一页</span></a><a href="p4.html"> NEXT » </a><a href="p5.html">下 一页</a>
    <a href="p6.html">Next<!-- c -->Page</a><a href="javascript:go(2)">下一页</a><a>下一页</a>
    <a href=" p8.html ">下页</a><a href="p9.html"><b>下</b>一页</a><a href="p10.html">上一页</a>"""
    response = HtmlResponse(url="http://gov.cn/list/index.html", body=body.encode("utf-8"), encoding="utf-8",
                            request=Request("http://gov.cn/list/index.html"))
    assert next_links(response) == ["http://gov.cn/list/p3.html", "http://gov.cn/list/p4.html",
                                    "http://gov.cn/list/p6.html", "http://gov.cn/list/p8.html"]
