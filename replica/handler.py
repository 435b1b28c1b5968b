"""HTTP routing for ReplicaSite: pages, conditional GET, broken endpoints and the /_admin test API."""

from __future__ import annotations

import json
import logging
import re
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING

from replica import pages
from replica.content import ReplicaArticle

if TYPE_CHECKING:
    from replica.site import ReplicaSite

logger = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
LISTING_RE = re.compile(r"^/list/index(?:_(\d+))?\.html$")
ADMIN_RE = re.compile(r"^/_admin/articles(?:/(\d+))?$")


class ReplicaHandler(BaseHTTPRequestHandler):
    """One request; all state lives on `self.server.site` behind its lock."""

    server_version = "ReplicaHTTP/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections must not pin threads forever

    @property
    def site(self) -> ReplicaSite:
        return self.server.site  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        logger.info("%s %s", self.address_string(), format % args)

    # --- responses ------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str | None = HTML, headers: dict | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _html(self, text: str, status: int = 200) -> None:
        self._send(status, text.encode("utf-8"))

    def _json(self, obj: object, status: int = 200) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def _not_found(self) -> None:
        self._html(pages.not_found(self.path), 404)

    # --- GET ------------------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        self.site.record_request(self.command, path)
        if path.startswith("/art/"):
            self._article(path)
        elif match := LISTING_RE.match(path):
            self._listing(int(match.group(1) or 0))
        elif path.startswith("/broken/"):
            self._broken(path)
        elif path.startswith("/hard/"):
            from replica import hard

            hard.serve(self, path)
        elif path in ("/private/", pages.PRIVATE_PATH):
            self._html(pages.private())
        else:
            self._static(path)

    def _static(self, path: str) -> None:
        site = self.site
        if path in ("/", "/index.html"):
            self._html(pages.home(site.articles))
        elif path == "/static/site.css":
            self._send(200, b"body{font-family:sans-serif}.article p{line-height:1.8}\n", "text/css; charset=utf-8")
        elif path == "/about.html":
            self._html(pages.about())
        elif path == "/robots.txt":
            self._send(200, pages.robots(site.base_url, site.crawl_delay).encode(), "text/plain; charset=utf-8")
        elif path == "/sitemap.xml":
            body = pages.sitemap(site.base_url, site.articles, site.last_modified())
            self._send(200, body.encode(), "application/xml; charset=utf-8")
        elif path == "/rss.xml":
            self._send(200, pages.rss(site.base_url, site.articles).encode(), "application/rss+xml; charset=utf-8")
        else:
            self._not_found()

    def _listing(self, page: int) -> None:
        text = pages.listing(self.site.articles, page, self.site.per_page)
        if text is None:
            self._not_found()
        else:
            self._html(text)

    def _article(self, path: str) -> None:
        article = self.site.find_by_path(path)
        if article is None:
            self._not_found()
            return
        try:
            served = self.site.serve_article(article.id)
        except KeyError:  # removed between lookup and render
            self._not_found()
            return
        validators = {"ETag": served.etag, "Last-Modified": format_datetime(served.last_modified, usegmt=True)}
        if self._not_modified(served.etag, served.last_modified):
            self._send(HTTPStatus.NOT_MODIFIED, b"", None, validators)
            return
        if served.article.encoding == "gbk":
            # One GBK page says so only in <meta>; the other also in the header (see ReplicaArticle).
            content_type = "text/html; charset=gbk" if served.article.header_charset else "text/html"
        else:
            content_type = HTML
        self._send(200, served.data, content_type, validators)

    def _not_modified(self, etag: str, last_modified) -> bool:
        """RFC 9110: If-None-Match wins; If-Modified-Since is only consulted without it."""
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return last_modified <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    def _broken(self, path: str) -> None:
        if path == "/broken/binary.bin":
            self._send(200, pages.random_bytes(1), "application/octet-stream")
        elif path == "/broken/binary.html":
            self._send(200, pages.random_bytes(2), "text/html")
        elif path == "/broken/undecodable.html":
            self._send(200, pages.undecodable(), HTML)
        elif path == "/broken/500.html":
            self._html(pages.not_found(path).replace("404", "500 服务器内部错误"), 500)
        else:  # includes /broken/notfound-listing.html
            self._not_found()

    # --- admin API (tests only) -----------------------------------------------------------------

    def _read_json(self) -> dict | None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        self.site.record_request("POST", path)
        match = ADMIN_RE.match(path)
        if not match:
            self._json({"error": "not found"}, 404)
            return
        data = self._read_json()
        if data is None:
            self._json({"error": "body must be a JSON object"}, 400)
            return
        try:
            if match.group(1):
                article = self.site.update_article(int(match.group(1)), data.get("paragraphs"), data.get("title"))
                self._json(article.to_dict())
            else:
                article = self.site.add_article(ReplicaArticle.from_dict(_article_fields(data)))
                self._json(article.to_dict(), 201)
        except KeyError:
            self._json({"error": "no such article"}, 404)
        except ValueError as exc:
            self._json({"error": str(exc)}, 409 if "already exists" in str(exc) else 400)
        except TypeError as exc:
            self._json({"error": str(exc)}, 400)

    def do_DELETE(self) -> None:
        path = self.path.split("?", 1)[0]
        self.site.record_request("DELETE", path)
        match = ADMIN_RE.match(path)
        if not match or not match.group(1):
            self._json({"error": "not found"}, 404)
            return
        try:
            self.site.remove_article(int(match.group(1)))
        except KeyError:
            self._json({"error": "no such article"}, 404)
            return
        self._send(204, b"", None)


def _article_fields(data: dict) -> dict:
    """Accept what to_dict() produces (it includes the derived `path`)."""
    return {k: v for k, v in data.items() if k != "path"}
