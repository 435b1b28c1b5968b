"""What a crawl knows before it starts: archived URLs, their validators and when each is due again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from archive.fetches import KnownUrl
from archive.models import utcnow
from archive.urls import canonical_url

# The spider asks about each sitemap/listing URL several times (due? validators? known? article?), and meets the same
# URLs in the sitemap and on listing pages: canonicalise each once.
cached_canonical_url = lru_cache(maxsize=1 << 16)(canonical_url)


def parse_lastmod(value: str | None) -> dt.datetime | None:
    """Sitemap <lastmod> (W3C datetime or date) as naive UTC; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return stamp
    return stamp.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass
class CrawlState:
    """Known URLs keyed by canonical URL; `now` is fixed at crawl start so one crawl sees one policy."""

    known: dict[str, KnownUrl] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=utcnow)

    @classmethod
    def from_known(cls, known: dict[str, KnownUrl]) -> CrawlState:
        return cls({cached_canonical_url(url): k for url, k in known.items()})

    def get(self, url: str) -> KnownUrl | None:
        return self.known.get(cached_canonical_url(url))

    def is_known(self, url: str) -> bool:
        return cached_canonical_url(url) in self.known

    def due(self, url: str, lastmod: dt.datetime | None = None) -> bool:
        """Unknown URLs are always due; known ones when their revisit time passed or the sitemap says changed."""
        known = self.get(url)
        if known is None:
            return True
        if lastmod is not None and lastmod > known.fetched_at:
            return True
        return known.next_check_at is None or known.next_check_at <= self.now

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers from the last fetch of this URL."""
        known = self.get(url)
        headers: dict[str, str] = {}
        if known is not None and known.etag:
            headers["If-None-Match"] = known.etag
        if known is not None and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return headers
