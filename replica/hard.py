"""The hard parts of real policy sites under /hard/: TRS pagination, sitemap index, Atom, mis-declared GBK,
attachments, and faults (429, flaky 500s, a hang, a redirect loop, truncated and oversized bodies, a blocked area)."""

from __future__ import annotations

import dataclasses
import gzip
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape

from replica.chrome import pick_related, render_article
from replica.content import ReplicaArticle
from replica.documents import build_docx, build_pdf
from replica.pages import SITE_NAME, newest_first

if TYPE_CHECKING:
    from replica.handler import ReplicaHandler

TRS_PER_PAGE = 7
TRS_RE = re.compile(r"^/hard/trs/index(?:_(\d+))?\.html$")
ART_RE = re.compile(r"^/hard/art/(\d+)\.html$")
ATT_RE = re.compile(r"^/hard/att/(\d+)\.(pdf|docx|xls)$")
GBK_RE = re.compile(r"^/hard/gbk/(utf8|latin1)/(\d+)\.html$")
BIG_SIZE = 20 * 1024 * 1024
HANG_SECONDS = 60
XLS_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # an OLE2 header: a legacy .xls we cannot read


# --- discovery ----------------------------------------------------------------------------------

def trs_listing(articles: Sequence[ReplicaArticle], page: int) -> str | None:
    """A TRS/WCM listing: no pagination links in the HTML, only the createPageHTML call that writes them."""
    ordered = newest_first(articles)
    count = max(1, -(-len(ordered) // TRS_PER_PAGE))
    if not 0 <= page < count:
        return None
    items = "\n".join(f'<li><a href="{a.path}" target="_blank">{escape(a.title)}</a><span>{a.published[:10]}</span></li>'
                      for a in ordered[page * TRS_PER_PAGE:(page + 1) * TRS_PER_PAGE])
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告_{SITE_NAME}</title>'
        '<script>function createPageHTML(n,i,p,s){var h="";for(var k=0;k<n;k++){h+=\'<a href="\'+(k==0?p:p+"_"+k)'
        '+"."+s+\'">\'+(k+1)+"</a> "}document.write(h)}</script></head><body>'
        f'<div class="list"><ul>\n{items}\n</ul></div>\n<div class="page">'
        f'<script language="JavaScript">createPageHTML({count}, {page}, "index", "html");</script></div>'
        "</body></html>\n"
    )


def sitemap_index(base_url: str, newest: str) -> str:
    entries = "".join(f"<sitemap><loc>{base_url}{path}</loc><lastmod>{newest}</lastmod></sitemap>\n"
                      for path in ("/hard/sitemaps/articles.xml.gz", "/hard/sitemaps/news.xml"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"\n{entries}</sitemapindex>\n")


def news_sitemap(base_url: str, articles: Sequence[ReplicaArticle], limit: int = 5) -> str:
    urls = "".join(
        f"<url><loc>{xml_escape(base_url + a.path)}</loc><news:news><news:publication>"
        f"<news:name>{SITE_NAME}</news:name><news:language>zh</news:language></news:publication>"
        f"<news:publication_date>{a.published}</news:publication_date>"
        f"<news:title>{xml_escape(a.title)}</news:title></news:news></url>\n"
        for a in newest_first(articles)[:limit])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{urls}</urlset>\n')


def atom(base_url: str, articles: Sequence[ReplicaArticle], limit: int = 10) -> str:
    entries = "".join(
        f'<entry><title>{xml_escape(a.title)}</title><link rel="alternate" href="{xml_escape(base_url + a.path)}"/>'
        f"<id>{xml_escape(base_url + a.path)}</id><updated>{a.published}</updated></entry>\n"
        for a in newest_first(articles)[:limit])
    newest = newest_first(articles)[0].published if articles else "2024-01-01T00:00:00+08:00"
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{SITE_NAME}</title><id>{base_url}/hard/atom.xml</id><updated>{newest}</updated>\n"
            f"{entries}</feed>\n")


# --- pages with attachments and mis-declared encodings ------------------------------------------

def attachment_text(article: ReplicaArticle, kind: str) -> tuple[str, list[str]]:
    """Title and lines of an article's generated attachment (the tests expect these back)."""
    label = {"pdf": "实施方案", "docx": "报名表"}.get(kind, "统计表")
    return f"附件：{article.title}{label}", [f"{label}第{i + 1}条：{p[:60]}" for i, p in enumerate(article.paragraphs[:3])]


def article_with_attachments(article: ReplicaArticle, articles: Sequence[ReplicaArticle]) -> bytes:
    html = render_article(article, pick_related(article, articles)).html
    links = (
        f'<div class="attachments"><p>附件：</p><ul><li><a href="/hard/att/{article.id}.pdf">实施方案.pdf</a></li>'
        f'<li><a href="/hard/att/{article.id}.docx">报名表.docx</a></li>'
        f'<li><a href="/hard/att/{article.id}.xls">统计表.xls</a></li>'
        '<li><a href="http://example.invalid/files/outside.pdf">外站文件.pdf</a></li></ul></div>'
    )
    return html.replace("</body>", links + "</body>").encode("utf-8")


def attachment(article: ReplicaArticle, kind: str) -> tuple[bytes, str]:
    title, lines = attachment_text(article, kind)
    if kind == "pdf":
        return build_pdf(title, lines), "application/pdf"
    if kind == "docx":
        return build_docx(title, lines), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return XLS_BYTES, "application/vnd.ms-excel"


def misdeclared_gbk(article: ReplicaArticle, articles: Sequence[ReplicaArticle], mode: str) -> tuple[bytes, str]:
    """GBK bytes that claim UTF-8 (header and <meta>), or claim ISO-8859-1 in the header with no <meta>."""
    page = render_article(dataclasses.replace(article, encoding="gbk", header_charset=False),
                          pick_related(article, articles))
    if mode == "utf8":
        return page.html.replace('<meta charset="gbk">', '<meta charset="utf-8">').encode("gbk"), \
            "text/html; charset=utf-8"
    return page.html.replace('<meta charset="gbk">', "").encode("gbk"), "text/html; charset=ISO-8859-1"


# --- routing ------------------------------------------------------------------------------------

def serve(handler: ReplicaHandler, path: str) -> None:
    site = handler.site
    if m := TRS_RE.match(path):
        text = trs_listing(site.articles, int(m.group(1) or 0))
        return handler._not_found() if text is None else handler._html(text)
    if path == "/hard/sitemap_index.xml":
        newest = max((a.published for a in site.articles), default="2024-01-01")
        return handler._send(200, sitemap_index(site.base_url, newest).encode(), "application/xml; charset=utf-8")
    if path == "/hard/sitemaps/articles.xml.gz":
        from replica.pages import sitemap

        body = gzip.compress(sitemap(site.base_url, site.articles, site.last_modified()).encode(), mtime=0)
        return handler._send(200, body, "application/x-gzip")
    if path == "/hard/sitemaps/news.xml":
        return handler._send(200, news_sitemap(site.base_url, site.articles).encode(), "application/xml")
    if path == "/hard/atom.xml":
        return handler._send(200, atom(site.base_url, site.articles).encode(), "application/atom+xml; charset=utf-8")
    if (m := ART_RE.match(path)) and (article := _article(site, m.group(1))):
        return handler._send(200, article_with_attachments(article, site.articles), "text/html; charset=utf-8")
    if (m := ATT_RE.match(path)) and (article := _article(site, m.group(1))):
        body, ctype = attachment(article, m.group(2))
        return handler._send(200, body, ctype)
    if (m := GBK_RE.match(path)) and (article := _article(site, m.group(2))):
        body, ctype = misdeclared_gbk(article, site.articles, m.group(1))
        return handler._send(200, body, ctype)
    if path.startswith("/hard/faults/"):
        return _fault(handler, path)
    if path.startswith("/hard/blocked/"):
        return handler._send(403, b"<html><body>403 Forbidden</body></html>")
    return handler._not_found()


def _article(site: object, ident: str) -> ReplicaArticle | None:
    try:
        return site.article(int(ident))  # type: ignore[attr-defined]
    except KeyError:
        return None


def _article_page(handler: ReplicaHandler, index: int) -> bytes:
    articles = handler.site.articles
    article = newest_first(articles)[index % len(articles)]
    return render_article(article, pick_related(article, articles)).encode()


def _fault(handler: ReplicaHandler, path: str) -> None:
    site = handler.site
    hits = site.hit(path)
    if path == "/hard/faults/429.html":
        if hits == 1:
            return handler._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
        return handler._send(200, _article_page(handler, 0), "text/html; charset=utf-8")
    if path == "/hard/faults/flaky.html":
        if hits <= 2:
            return handler._send(500, "<html><body>500 服务器内部错误</body></html>".encode())
        return handler._send(200, _article_page(handler, 1), "text/html; charset=utf-8")
    if path == "/hard/faults/hang.html":
        site.stopping.wait(HANG_SECONDS)  # never answers while the site runs
        handler.close_connection = True
        return None
    if path in ("/hard/faults/loop.html", "/hard/faults/loop2.html"):
        target = "/hard/faults/loop2.html" if path.endswith("loop.html") else "/hard/faults/loop.html"
        return handler._send(302, b"", None, {"Location": target})
    if path == "/hard/faults/big.html":
        return _big(handler)
    if path == "/hard/faults/truncated.html":
        body = _article_page(handler, 2)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 3])
        handler.wfile.flush()
        handler.close_connection = True
        return None
    return handler._not_found()


def _big(handler: ReplicaHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(BIG_SIZE))
    handler.end_headers()
    chunk = ("<p>" + "大" * 20000 + "</p>\n").encode()[: 64 * 1024]
    sent = 0
    try:
        while sent < BIG_SIZE:
            part = chunk[: BIG_SIZE - sent]
            handler.wfile.write(part)
            sent += len(part)
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        pass  # the client gave up, as it should
    handler.close_connection = True

