"""ReplicaSite: the local policy site as a real threaded HTTP server, with a test-control API."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer

from replica.chrome import RenderedPage, pick_related, render_article
from replica.content import ARTICLES, ReplicaArticle

logger = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    # The stdlib backlog of 5 drops SYNs under a concurrent crawler and costs a 1 s retransmit each.
    request_queue_size = 128
    daemon_threads = True


@dataclass
class _PageState:
    """Validators of one article page; kept across edits (and removal) so Last-Modified only moves forward."""

    etag: str
    last_modified: datetime
    page: RenderedPage | None  # None = stale, re-render on next request
    data: bytes = b""


@dataclass(frozen=True)
class ServedPage:
    article: ReplicaArticle
    data: bytes
    etag: str
    last_modified: datetime
    junk: tuple[str, ...]


class ReplicaSite:
    """A policy site on 127.0.0.1 that crawlers and e2e tests can fetch, edit and break.

    All state changes go through one lock, so tests may edit articles while a crawler is fetching.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        articles: Iterable[ReplicaArticle] | None = None,
        per_page: int = 10,
        crawl_delay: float | None = None,
    ) -> None:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        self.host = host
        self.port = port
        self.per_page = per_page
        self.crawl_delay = crawl_delay  # announced in robots.txt when set
        self.stopping = threading.Event()  # wakes handlers that hang on purpose
        self._hits: dict[str, int] = {}
        self._initial = list(ARTICLES if articles is None else articles)
        self._lock = threading.RLock()
        self._articles: dict[int, ReplicaArticle] = {}
        self._pages: dict[int, _PageState] = {}
        self._requests: list[tuple[str, str]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._load(self._initial)

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> ReplicaSite:
        from replica.handler import ReplicaHandler  # handler needs this module; import late to avoid a cycle

        if self._server is not None:
            return self
        self.stopping.clear()
        server = _Server((self.host, self.port), ReplicaHandler)
        server.site = self  # type: ignore[attr-defined]
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=f"replica-{self.port}", daemon=True)
        self._thread.start()
        logger.info("replica site serving %d articles at %s", len(self._articles), self.base_url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> ReplicaSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- state ------------------------------------------------------------------------------------

    def _load(self, articles: Iterable[ReplicaArticle]) -> None:
        with self._lock:
            self._articles = {}
            for article in articles:
                if article.id in self._articles:
                    raise ValueError(f"duplicate article id {article.id}")
                self._articles[article.id] = article
            self._invalidate()

    def _invalidate(self) -> None:
        # Any edit can change other pages too (their related-reading lists), so all go stale;
        # validators are recomputed from the new bytes and only move when the bytes really differ.
        for state in self._pages.values():
            state.page = None

    @property
    def articles(self) -> list[ReplicaArticle]:
        with self._lock:
            return list(self._articles.values())

    def article(self, article_id: int) -> ReplicaArticle:
        with self._lock:
            return self._articles[article_id]

    def update_article(
        self, article_id: int, paragraphs: list[str] | None = None, title: str | None = None
    ) -> ReplicaArticle:
        """Change an article's text or title; its page gets new bytes, ETag and Last-Modified."""
        with self._lock:
            old = self._articles[article_id]
            changes: dict = {}
            if paragraphs is not None:
                changes["paragraphs"] = list(paragraphs)
            if title is not None:
                changes["title"] = title
            new = dataclasses.replace(old, **changes)
            self._articles[article_id] = new
            self._invalidate()
            return new

    def add_article(self, article: ReplicaArticle) -> ReplicaArticle:
        with self._lock:
            if article.id in self._articles:
                raise ValueError(f"article {article.id} already exists")
            self._articles[article.id] = article
            self._invalidate()
            return article

    def remove_article(self, article_id: int) -> ReplicaArticle:
        """Take an article off the site; its URL answers 404 from now on."""
        with self._lock:
            removed = self._articles.pop(article_id)
            self._invalidate()
            return removed

    def reset(self) -> None:
        """Back to the articles the site was created with (validators keep moving forward)."""
        self._load(self._initial)
        self.reset_faults()

    # --- request log ----------------------------------------------------------------------------

    def record_request(self, method: str, path: str) -> None:
        with self._lock:
            self._requests.append((method, path))

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request served so far, e.g. to check that /private/ was never fetched."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def hit(self, path: str) -> int:
        """Count a request to a fault endpoint; the count decides its answer (429 first, 500 twice, ...)."""
        with self._lock:
            self._hits[path] = self._hits.get(path, 0) + 1
            return self._hits[path]

    def reset_faults(self) -> None:
        with self._lock:
            self._hits.clear()

    # --- pages ----------------------------------------------------------------------------------

    def find_by_path(self, path: str) -> ReplicaArticle | None:
        with self._lock:
            return next((a for a in self._articles.values() if a.path == path), None)

    def serve_article(self, article_id: int) -> ServedPage:
        """Rendered bytes plus validators; Last-Modified starts at publication and advances on change."""
        with self._lock:
            article = self._articles[article_id]
            state = self._pages.get(article_id)
            if state is not None and state.page is not None:
                return ServedPage(article, state.data, state.etag, state.last_modified, state.page.junk)
            page = render_article(article, pick_related(article, list(self._articles.values())), self.base_url)
            data = page.encode()
            etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
            now = datetime.now(UTC).replace(microsecond=0)
            if state is None:
                last_modified = min(article.published_at.astimezone(UTC), now)
            elif state.etag == etag:
                last_modified = state.last_modified
            else:  # HTTP dates have whole seconds: make sure a change within the same second still moves it
                last_modified = max(now, state.last_modified + timedelta(seconds=1))
            self._pages[article_id] = _PageState(etag, last_modified, page, data)
            return ServedPage(article, data, etag, last_modified, page.junk)

    def last_modified(self) -> dict[int, datetime]:
        """Last-Modified of every current article page (renders stale pages)."""
        with self._lock:
            return {aid: self.serve_article(aid).last_modified for aid in list(self._articles)}

    def junk_for(self, article_id: int) -> list[str]:
        """Exact junk strings on the page as currently served."""
        return list(self.serve_article(article_id).junk)
