"""Retry-After parsing, backoff retries, Crawl-delay, discovery helpers, source keys and the WARC writer, offline."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.discovery import attachment_links, next_links, trs_next_page
from crawler.middlewares import retry_after_seconds
from crawler.sources import SourcesError, parse_sources
from crawler.state import CrawlState, parse_lastmod

BASE = """
[[source]]
name = "a"
allowed_domains = ["example.org"]
start_urls = ["https://example.org/list/"]
article_patterns = ['/art/\\\\d+\\\\.html$']
"""


def _html(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode("utf-8"), encoding="utf-8", request=Request(url))


@pytest.mark.parametrize(("value", "expected"), [("120", 120.0), (b"0", 0.0), ("soon", None), (None, None), ("", None)])
def test_retry_after_delta_seconds(value: object, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_http_date() -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)
    assert 80 <= retry_after_seconds(format_datetime(later, usegmt=True)) <= 91
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: retry now


def test_trs_next_page_and_last_page() -> None:
    page = _html("http://gov.cn/zhengce/index_2.html", '<script>createPageHTML(5, 2, "index", "html");</script>')
    assert trs_next_page(page) == "http://gov.cn/zhengce/index_3.html"
    last = _html("http://gov.cn/zhengce/index_4.html", "<script>createPageHTML(5,4,'index','shtml')</script>")
    assert trs_next_page(last) is None
    assert trs_next_page(_html("http://gov.cn/", "<p>no pager</p>")) is None


def test_next_links_ignore_javascript_pagers() -> None:
    page = _html("http://gov.cn/list/", '<a href="p2.html">下一页</a> <a href="javascript:go(3)">下一页</a>'
                                        '<a href="p9.html">尾页</a>')
    assert next_links(page) == ["http://gov.cn/list/p2.html"]


def test_attachment_links_by_extension() -> None:
    page = _html("http://gov.cn/art/1.html", '<a href="/f/a.PDF">方案</a><a href="/f/b.docx">表</a>'
                                             '<a href="/f/a.PDF">again</a><a href="/f/c.html">页</a>')
    assert attachment_links(page) == [("http://gov.cn/f/a.PDF", "方案"), ("http://gov.cn/f/b.docx", "表")]


def test_revisit_keys_validate_and_default() -> None:
    source = parse_sources(BASE)["a"]
    assert (source.revisit.young_seconds, source.revisit.old_seconds, source.revisit.young_days) == (3600, 604800, 30)
    tuned = parse_sources(BASE + 'revisit_young = 0\nrevisit_old = "30d"\nyoung_days = 7\ndownload_timeout = "5s"\n')
    assert tuned["a"].revisit.young_seconds == 0 and tuned["a"].revisit.old_seconds == 30 * 86400
    assert tuned["a"].download_timeout_seconds == 5
    for bad, field in (('revisit_old = "often"', "revisit_old"), ("young_days = -1", "young_days"),
                       ('download_timeout = "0s"', "download_timeout"), ("backfill_depth = true", "backfill_depth")):
        with pytest.raises(SourcesError, match=field):
            parse_sources(BASE + bad + "\n")


def test_crawl_state_due_and_validators() -> None:
    from archive.fetches import KnownUrl

    now = dt.datetime(2026, 1, 1, 12)
    known = KnownUrl("https://example.org/art/1.html", 1, now - dt.timedelta(days=2), '"e1"',
                     "Tue, 30 Dec 2025 00:00:00 GMT", "sha1:X", now + dt.timedelta(days=5))
    state = CrawlState({known.url: known}, now)
    assert not state.due("https://example.org/art/1.html?utm_source=x")  # canonical URL, not due for 5 days
    assert state.due("https://example.org/art/1.html", parse_lastmod("2026-01-01T08:00:00+08:00") +
                     dt.timedelta(hours=1))  # sitemap says changed after our fetch
    assert not state.due("https://example.org/art/1.html", parse_lastmod("2025-12-01"))
    assert state.due("https://example.org/art/2.html")
    assert state.validators("https://example.org/art/1.html") == {"If-None-Match": '"e1"',
                                                                 "If-Modified-Since": "Tue, 30 Dec 2025 00:00:00 GMT"}


def test_rotating_warc_writer_rotates_and_points_at_records(tmp_path) -> None:
    import io

    from warcio.archiveiterator import ArchiveIterator

    from crawler.warc import RotatingWarcWriter

    writer = RotatingWarcWriter(tmp_path, "t", max_size=300)
    pointers = [writer.write_exchange(f"http://x.cn/{i}.html", ("GET", [("Host", "x.cn")], b""),
                                      (200, [("Content-Type", "text/html")], f"<p>{i}</p>".encode() * 200))
                for i in range(3)]
    writer.close()
    assert len({p.path for p in pointers}) == 3  # each past max_size: a new file
    for i, pointer in enumerate(pointers):
        data = (tmp_path / pointer.path).read_bytes()
        record = next(iter(ArchiveIterator(io.BytesIO(data[pointer.offset:pointer.offset + pointer.length]))))
        assert record.rec_headers.get_header("WARC-Target-URI") == f"http://x.cn/{i}.html"
        assert record.rec_headers.get_header("WARC-Payload-Digest") == pointer.payload_digest
        assert record.content_stream().read() == f"<p>{i}</p>".encode() * 200
        types = [r.rec_type for r in ArchiveIterator(io.BytesIO(data))]
        assert types == ["warcinfo", "response", "request"]


def test_robots_crawl_delay_is_applied_to_the_site(tmp_path) -> None:
    from replica.site import ReplicaSite
    from tests.conftest import Cli, demo_source_toml

    with ReplicaSite(crawl_delay=0.2) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(demo_source_toml(site.base_url, feeds=[], sitemaps=[], max_pages=3), encoding="utf-8")
        cli = Cli(f"sqlite:///{tmp_path / 'a.sqlite3'}", sources, tmp_path / "home")
        run = cli.json("crawl", "demo")
    assert run["status"] == "ok"
    log = (tmp_path / "home" / "logs" / "demo" / f"run-{run['id']}.log").read_text(encoding="utf-8")
    assert "asks for Crawl-delay 0.2" in log and "'robotstxt/crawl_delay': 0.2" in log


def test_a_blocked_source_is_a_failed_run_with_every_refusal_recorded(cli, site) -> None:  # noqa: ANN001
    from tests.conftest import demo_source_toml

    base = site.base_url
    cli.sources.write_text(demo_source_toml(base, name="blocked", feeds=[], sitemaps=[f"{base}/hard/blocked/sm.xml"],
                                            start_urls=[f"{base}/hard/blocked/index.html"]), encoding="utf-8")
    run = cli.json("crawl", "blocked")
    assert run["status"] == "failed" and "blocked" in run["message"]
    import sqlite3

    with sqlite3.connect(cli.db_url.removeprefix("sqlite:///")) as conn:
        errors = conn.execute("select status, outcome, error from fetch").fetchall()
    assert sorted(errors) == [(403, "error", "HTTP 403")] * 2
