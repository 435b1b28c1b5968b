"""Building archives for tests: extractions from texts, stored through the real write path."""

from __future__ import annotations

import datetime as dt

from archive.db import Database
from archive.store import ensure_source, store_extraction
from corpus import Extraction, Metadata
from corpus.fingerprint import text_hash
from corpus.normalize import normalize_text

T0 = dt.datetime(2024, 1, 1)


def extraction(text: str, title: str = "标题", published: str | None = "2024-01-19", publisher: str | None = None,
               ) -> Extraction:
    norm = normalize_text(text)
    return Extraction(title=title, text=text, text_norm=norm, hash=text_hash(norm),
                      metadata=Metadata(published=published, publisher=publisher))


def put(db: Database, url: str, text: str, seen: dt.datetime = T0, source: str = "gov", **kw: object) -> int:
    with db.unit_of_work() as s:
        src = ensure_source(s, source)
        return store_extraction(s, source_id=src.id, url=url, extraction=extraction(text, **kw), seen_at=seen,
                                ).document_id
