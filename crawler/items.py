"""What the spider hands to the pipeline: fetched article pages, and notes about every other fetch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ArticlePage:
    url: str
    status: int
    body: bytes
    content_type: str | None
    http_charset: str | None
    elapsed_ms: int | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchNote:
    """A fetch that yields no article: a listing, feed or sitemap, or any failure."""

    url: str
    kind: str  # listing | feed | sitemap | article
    outcome: str  # listing | error | skipped
    status: int | None = None
    error: str | None = None
    elapsed_ms: int | None = None
    size: int | None = None
    content_type: str | None = None
