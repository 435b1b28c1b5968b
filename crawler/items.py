"""What the spider hands to the pipeline: fetched article pages, and notes about every other fetch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Capture:
    """Where the raw response went in the WARCs (all None when nothing was written)."""

    warc_path: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    payload_digest: str | None = None


@dataclass
class ArticlePage:
    """An article (or attachment) response: 200 with a body, or 304 Not Modified."""

    url: str
    status: int
    body: bytes
    content_type: str | None
    http_charset: str | None
    elapsed_ms: int | None
    etag: str | None = None
    last_modified: str | None = None
    capture: Capture | None = None
    kind: str = "article"  # article | attachment
    parent_url: str | None = None  # attachments: the article that links to it
    known_document_id: int | None = None  # the document this URL was archived as before
    known_digest: str | None = None  # payload digest of that earlier fetch


@dataclass
class FetchNote:
    """A fetch that yields no article: a listing, feed or sitemap, or any failure."""

    url: str
    kind: str  # listing | feed | sitemap | article | attachment
    outcome: str  # listing | error | skipped
    status: int | None = None
    error: str | None = None
    elapsed_ms: int | None = None
    size: int | None = None
    content_type: str | None = None
    capture: Capture | None = None
