"""The replica's /hard/ area over loopback: what each hard case serves, byte for byte where it matters."""

from __future__ import annotations

import gzip
import io
import re
import xml.etree.ElementTree as ET

from replica_http import fetch

from replica.generated import generate_articles
from replica.hard import BIG_SIZE, TRS_PER_PAGE, attachment_text
from replica.site import ReplicaSite

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_trs_listing_has_only_the_javascript_pager(site) -> None:
    first = fetch(site.base_url + "/hard/trs/index.html").text()
    pages = -(-len(site.articles) // TRS_PER_PAGE)
    assert f'createPageHTML({pages}, 0, "index", "html")' in first
    assert "index_1.html" not in first.split("<body>", 1)[1].split("<script", 1)[0]  # no plain pager link
    last = fetch(f"{site.base_url}/hard/trs/index_{pages - 1}.html")
    assert last.status == 200 and f"createPageHTML({pages}, {pages - 1}," in last.text()
    assert fetch(f"{site.base_url}/hard/trs/index_{pages}.html").status == 404
    linked = set()
    for page in range(pages):
        name = "index.html" if page == 0 else f"index_{page}.html"
        linked |= set(re.findall(r'href="(/art/[^"]+)"', fetch(f"{site.base_url}/hard/trs/{name}").text()))
    assert linked == {a.path for a in site.articles}


def test_sitemap_index_points_to_gzip_and_news_sitemaps(site) -> None:
    index = ET.fromstring(fetch(site.base_url + "/hard/sitemap_index.xml").body)
    locs = [e.findtext(f"{SM}loc") for e in index.iter(f"{SM}sitemap")]
    assert [loc.removeprefix(site.base_url) for loc in locs] == ["/hard/sitemaps/articles.xml.gz",
                                                                  "/hard/sitemaps/news.xml"]
    assert all(e.findtext(f"{SM}lastmod") for e in index.iter(f"{SM}sitemap"))
    urlset = ET.fromstring(gzip.decompress(fetch(locs[0]).body))
    assert len(list(urlset.iter(f"{SM}url"))) == len(site.articles)
    news = fetch(locs[1]).text()
    assert news.count("<news:publication_date>") == 5


def test_atom_feed_links_the_newest_articles(site) -> None:
    feed = ET.fromstring(fetch(site.base_url + "/hard/atom.xml").body)
    ns = "{http://www.w3.org/2005/Atom}"
    links = [e.find(f"{ns}link").get("href") for e in feed.iter(f"{ns}entry")]
    assert len(links) == 10 and all(link.startswith(site.base_url + "/art/") for link in links)


def test_gbk_pages_carry_wrong_declarations(site) -> None:
    article = site.article(2302)
    utf8 = fetch(site.base_url + "/hard/gbk/utf8/2302.html")
    assert utf8.headers["Content-Type"] == "text/html; charset=utf-8" and b'<meta charset="utf-8">' in utf8.body
    assert article.paragraphs[1] in utf8.body.decode("gbk")
    latin = fetch(site.base_url + "/hard/gbk/latin1/2302.html")
    assert "ISO-8859-1" in latin.headers["Content-Type"] and b"charset" not in latin.body.split(b"<title>")[0]
    assert article.paragraphs[1] in latin.body.decode("gbk")


def test_article_links_generated_pdf_docx_and_xls(site) -> None:
    from docx import Document
    from pypdf import PdfReader

    page = fetch(site.base_url + "/hard/art/2301.html").text()
    assert all(f"/hard/att/2301.{ext}" in page for ext in ("pdf", "docx", "xls")) and "example.invalid" in page
    article = site.article(2301)
    pdf = fetch(site.base_url + "/hard/att/2301.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body)).pages[0].extract_text()
    title, lines = attachment_text(article, "pdf")
    assert title in text and all(line in text for line in lines)
    docx = Document(io.BytesIO(fetch(site.base_url + "/hard/att/2301.docx").body))
    title, lines = attachment_text(article, "docx")
    assert [p.text for p in docx.paragraphs] == [title, *lines]
    assert fetch(site.base_url + "/hard/att/2301.xls").body.startswith(b"\xd0\xcf\x11\xe0")


def test_faults_answer_by_attempt_and_reset(fresh_site) -> None:
    base = fresh_site.base_url
    first = fetch(base + "/hard/faults/429.html")
    assert first.status == 429 and first.headers["Retry-After"] == "1"
    assert fetch(base + "/hard/faults/429.html").status == 200
    assert [fetch(base + "/hard/faults/flaky.html").status for _ in range(3)] == [500, 500, 200]
    fresh_site.reset()
    assert fetch(base + "/hard/faults/429.html").status == 429
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", fresh_site.port, timeout=10)
    hops = []
    for path in ("/hard/faults/loop.html", "/hard/faults/loop2.html"):
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        hops.append((resp.status, resp.getheader("Location")))
    conn.close()
    assert hops == [(302, "/hard/faults/loop2.html"), (302, "/hard/faults/loop.html")]
    assert fetch(base + "/hard/blocked/anything.html").status == 403


def test_big_body_announces_twenty_mebibytes(fresh_site) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", fresh_site.port, timeout=10)
    conn.request("GET", "/hard/faults/big.html")
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.getheader("Content-Length")) == BIG_SIZE
    assert resp.read(1024)
    conn.close()  # the server notices the closed socket and stops sending


def test_truncated_body_is_shorter_than_its_content_length(fresh_site) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", fresh_site.port, timeout=10)
    conn.request("GET", "/hard/faults/truncated.html")
    resp = conn.getresponse()
    try:
        resp.read()
        raise AssertionError("a truncated body must not read as complete")
    except http.client.IncompleteRead as exc:
        assert len(exc.partial) < int(resp.getheader("Content-Length"))
    conn.close()


def test_robots_announces_crawl_delay_when_asked() -> None:
    with ReplicaSite(crawl_delay=1.5) as site:
        assert "Crawl-delay: 1.5" in fetch(site.base_url + "/robots.txt").text()


def test_generated_articles_are_distinct_and_served() -> None:
    articles = generate_articles(300)
    assert len({a.id for a in articles}) == 300 and len({a.body for a in articles}) == 300
    with ReplicaSite(articles=articles, per_page=20) as site:
        page = fetch(site.base_url + articles[-1].path)
        assert page.status == 200 and articles[-1].title in page.text()
