"""The replica over real loopback HTTP: discovery routes, encodings, validators, control API, broken pages."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from html import unescape

from replica_http import fetch

from replica import ARTICLES, JUNK, ReplicaArticle

ART_LINK = re.compile(r'href="(/art/\d{4}/\d+\.html)"')
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def listing_articles(base_url: str) -> list[str]:
    """Follow 下一页 from the first listing page, collecting the article links of each page."""
    found, url, seen_pages = [], base_url + "/list/index.html", set()
    while url:
        assert url not in seen_pages, "pagination loops"
        seen_pages.add(url)
        page = fetch(url)
        assert page.status == 200
        html = page.text()
        main = html.split('<ul class="news-list">', 1)[1].split("</ul>", 1)[0]
        found += ART_LINK.findall(main)
        nxt = re.search(r'<a href="([^"]+)">下一页</a>', html)
        url = base_url + nxt.group(1) if nxt else None
    return found


def new_article(article_id: int = 9001, **overrides) -> ReplicaArticle:
    fields = dict(
        id=article_id, year=2025, title="测试新增文章：青山县召开党建工作推进会",
        paragraphs=["第一段：会议总结了上半年工作。", "第二段：会议部署了下半年任务。", "第三段：会议提出了要求。",
                    "第四段：与会同志进行了交流。"],
        published="2025-09-01T10:00:00+08:00", publisher="青山县委组织部", author="测试", editor="测试编辑",
    )
    fields.update(overrides)
    return ReplicaArticle(**fields)


# --- discovery --------------------------------------------------------------------------------------

def test_listing_pagination_reaches_every_article_exactly_once(site):
    found = listing_articles(site.base_url)
    assert sorted(found) == sorted(a.path for a in ARTICLES)
    assert len(found) == len(set(found))


def test_listing_is_newest_first_with_pagination_block(site):
    html = fetch(site.base_url + "/list/index.html").text()
    first = ART_LINK.findall(html.split('<ul class="news-list">', 1)[1])[0]
    newest = max(ARTICLES, key=lambda a: a.published)
    assert first == newest.path
    assert ">下一页</a>" in html and ">尾页</a>" in html and 'href="/list/index_1.html"' in html
    pages = -(-len(ARTICLES) // site.per_page)
    last = fetch(f"{site.base_url}/list/index_{pages - 1}.html").text()
    assert ">下一页</a>" not in last and ">尾页</a>" in last and ">上一页</a>" in last
    assert fetch(f"{site.base_url}/list/index_{pages}.html").status == 404


def test_home_links_to_listing(site):
    html = fetch(site.base_url + "/").text()
    assert 'href="/list/index.html"' in html


def test_robots_txt(site):
    resp = fetch(site.base_url + "/robots.txt")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
    lines = resp.text().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /private/" in lines
    assert [line for line in lines if line.startswith("Disallow")] == ["Disallow: /private/"]
    assert f"Sitemap: {site.base_url}/sitemap.xml" in lines


def test_private_page_is_linked_but_disallowed(site):
    listing = fetch(site.base_url + "/list/index.html").text()
    href = re.search(r'href="(/private/[^"]*)"', listing).group(1)
    assert fetch(site.base_url + href).status == 200
    assert (("GET", href)) in site.requests


def test_sitemap_lists_all_articles_with_lastmod(site):
    root = ET.fromstring(fetch(site.base_url + "/sitemap.xml").body)
    urls = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root.iter(f"{SM}url")}
    assert set(urls) == {site.base_url + a.path for a in ARTICLES}
    by_url = {site.base_url + a.path: a for a in ARTICLES}
    for url, lastmod in urls.items():
        assert lastmod == by_url[url].published


def test_rss_has_newest_twenty_with_pubdate(site):
    channel = ET.fromstring(fetch(site.base_url + "/rss.xml").body).find("channel")
    items = channel.findall("item")
    newest = sorted(ARTICLES, key=lambda a: a.published, reverse=True)[:20]
    assert [i.findtext("link") for i in items] == [site.base_url + a.path for a in newest]
    for item, article in zip(items, newest, strict=True):
        assert item.findtext("title") == article.title
        assert parsedate_to_datetime(item.findtext("pubDate")) == article.published_at


def test_about_and_unknown_paths(site):
    assert fetch(site.base_url + "/about.html").status == 200
    assert fetch(site.base_url + "/nope.html").status == 404
    assert fetch(site.base_url + "/art/2024/1.html").status == 404


# --- article pages --------------------------------------------------------------------------------

def test_article_pages_carry_text_and_junk(site):
    """Every JUNK string shows up on at least one served page."""
    seen = ""
    for article in ARTICLES:
        resp = fetch(site.base_url + article.path)
        assert resp.status == 200
        text = unescape(resp.body.decode(article.encoding))
        for paragraph in article.paragraphs:
            assert paragraph in text
        seen += text
    missing = [j for j in JUNK if j not in seen]
    assert not missing


def test_gbk_pages(site):
    gbk = [a for a in ARTICLES if a.encoding == "gbk"]
    for article in gbk:
        resp = fetch(site.base_url + article.path)
        text = resp.body.decode("gbk")
        assert article.title in text
        try:
            resp.body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise AssertionError("GBK page must not be valid UTF-8")
        expected = "text/html; charset=gbk" if article.header_charset else "text/html"
        assert resp.headers["Content-Type"] == expected
        declared = 'content="text/html; charset=gbk"' if article.header_charset else '<meta charset="gbk">'
        assert declared in text


def test_utf8_content_type(site):
    article = next(a for a in ARTICLES if a.encoding == "utf-8")
    assert fetch(site.base_url + article.path).headers["Content-Type"] == "text/html; charset=utf-8"


def test_conditional_get(site):
    url = site.base_url + ARTICLES[0].path
    first = fetch(url)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert fetch(url, headers={"If-None-Match": etag}).status == 304
    assert fetch(url, headers={"If-Modified-Since": last_modified}).status == 304
    assert fetch(url, headers={"If-None-Match": '"other"'}).status == 200
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status == 200


# --- control API ----------------------------------------------------------------------------------

def test_update_in_process_changes_page_and_validators(fresh_site):
    article = ARTICLES[1]
    url = fresh_site.base_url + article.path
    before = fetch(url)
    fresh_site.update_article(article.id, paragraphs=article.paragraphs + ["新增的一段：会后各单位认真抓好落实。"])
    after = fetch(url)
    assert "新增的一段：会后各单位认真抓好落实。" in after.text(article.encoding)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert parsedate_to_datetime(after.headers["Last-Modified"]) > parsedate_to_datetime(before.headers["Last-Modified"])
    assert fetch(url, headers={"If-None-Match": before.headers["ETag"]}).status == 200
    assert fetch(url, headers={"If-Modified-Since": before.headers["Last-Modified"]}).status == 200
    assert fetch(url, headers={"If-None-Match": after.headers["ETag"]}).status == 304


def test_update_twice_within_a_second_still_moves_last_modified(fresh_site):
    article = ARTICLES[2]
    url = fresh_site.base_url + article.path
    fresh_site.update_article(article.id, title="第一次修改的标题")
    first = fetch(url).headers["Last-Modified"]
    fresh_site.update_article(article.id, title="第二次修改的标题")
    second = fetch(url)
    assert "第二次修改的标题" in second.text(article.encoding)
    assert parsedate_to_datetime(second.headers["Last-Modified"]) > parsedate_to_datetime(first)


def test_update_over_http(fresh_site):
    article = ARTICLES[3]
    payload = {"title": "通过接口修改的标题", "paragraphs": ["接口修改后的第一段。", "接口修改后的第二段。"]}
    resp = fetch(f"{fresh_site.base_url}/_admin/articles/{article.id}", method="POST",
                 data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    assert resp.status == 200 and json.loads(resp.body)["title"] == "通过接口修改的标题"
    page = fetch(fresh_site.base_url + article.path).text(article.encoding)
    assert "通过接口修改的标题" in page and "接口修改后的第二段。" in page
    assert fresh_site.article(article.id).paragraphs == payload["paragraphs"]
    assert fetch(f"{fresh_site.base_url}/_admin/articles/1", method="POST", data=b"{}").status == 404
    assert fetch(f"{fresh_site.base_url}/_admin/articles/{article.id}", method="POST", data=b"[").status == 400


def test_add_and_remove_in_process(fresh_site):
    article = fresh_site.add_article(new_article())
    assert fetch(fresh_site.base_url + article.path).status == 200
    assert article.path in listing_articles(fresh_site.base_url)
    assert fresh_site.base_url + article.path in fetch(fresh_site.base_url + "/sitemap.xml").text()
    fresh_site.remove_article(article.id)
    assert fetch(fresh_site.base_url + article.path).status == 404
    assert article.path not in listing_articles(fresh_site.base_url)


def test_add_and_remove_over_http(fresh_site):
    data = new_article(9002).to_dict()
    resp = fetch(f"{fresh_site.base_url}/_admin/articles", method="POST", data=json.dumps(data).encode())
    assert resp.status == 201
    path = json.loads(resp.body)["path"]
    assert "测试新增文章" in fetch(fresh_site.base_url + path).text()
    assert path in fetch(fresh_site.base_url + "/rss.xml").text()
    assert fetch(f"{fresh_site.base_url}/_admin/articles", method="POST", data=json.dumps(data).encode()).status == 409
    assert fetch(f"{fresh_site.base_url}/_admin/articles/9002", method="DELETE").status == 204
    assert fetch(fresh_site.base_url + path).status == 404
    assert fetch(f"{fresh_site.base_url}/_admin/articles/9002", method="DELETE").status == 404


def test_removed_article_disappears_everywhere(fresh_site):
    article = ARTICLES[5]
    fresh_site.remove_article(article.id)
    assert fetch(fresh_site.base_url + article.path).status == 404
    assert article.path not in fetch(fresh_site.base_url + "/sitemap.xml").text()
    assert len(listing_articles(fresh_site.base_url)) == len(ARTICLES) - 1
    fresh_site.reset()
    assert fetch(fresh_site.base_url + article.path).status == 200


def test_concurrent_reads_during_edits(fresh_site):
    article = ARTICLES[0]
    url = fresh_site.base_url + article.path

    def read(_):
        return fetch(url).status

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(read, i) for i in range(40)]
        for n in range(10):
            fresh_site.update_article(article.id, title=f"并发修改{n}")
        assert {f.result() for f in futures} == {200}


# --- broken endpoints -----------------------------------------------------------------------------

def test_broken_endpoints(site):
    base = site.base_url
    assert fetch(base + "/broken/notfound-listing.html").status == 404
    assert fetch(base + "/broken/500.html").status == 500
    binary = fetch(base + "/broken/binary.bin")
    assert binary.status == 200 and binary.headers["Content-Type"] == "application/octet-stream"
    fake_html = fetch(base + "/broken/binary.html")
    assert fake_html.headers["Content-Type"].startswith("text/html") and b"<html" not in fake_html.body
    bad = fetch(base + "/broken/undecodable.html")
    assert bad.headers["Content-Type"] == "text/html; charset=utf-8" and b'<meta charset="utf-8">' in bad.body
    try:
        bad.body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("undecodable page decoded cleanly")
    assert fetch(base + "/broken/binary.bin").body == binary.body, "noise is deterministic"


def test_request_log_and_timing(site):
    start = time.monotonic()
    fetch(site.base_url + "/about.html")
    assert ("GET", "/about.html") in site.requests
    assert time.monotonic() - start < 2
