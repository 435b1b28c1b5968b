"""One batch of crawl results → archive rows, in the caller's transaction: fetch rows, versions, revisit times.

The pipeline collects responses and calls `write_batch` every few hundred milliseconds; a batch costs a handful of
statements whatever its size, which is what lets archiving keep up with fetching.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from archive.events import document_gone
from archive.fetches import document_id_for_url, mark_attachment, revisit_documents
from archive.models import Fetch, utcnow
from archive.prepare import Prepared
from archive.store import Incoming, store_batch, store_pieces
from archive.urls import canonical_url, choose_document_url
from crawler.sources import RevisitPolicy

if TYPE_CHECKING:
    from corpus import Extraction

FETCH_COLUMNS = ("url", "kind", "outcome", "status", "error", "elapsed_ms", "size", "content_type", "encoding", "etag",
                 "last_modified", "payload_digest", "warc_path", "warc_offset", "warc_length", "document_id",
                 "fetched_at")


@dataclass
class Result:
    """One response on its way to the archive. outcome: listing/error/skipped (notes), unchanged, or "pending"
    for a page whose extraction is to be stored (new | changed | unchanged | stale once written)."""

    fetch: dict[str, Any]  # Fetch columns (FETCH_COLUMNS)
    extraction: Extraction | None = None
    prepared: Prepared | None = None
    parent_url: str | None = None  # attachments: the article linking to them
    gone: bool = False  # a 404/410 where an article was: maybe a document.removed event
    stored: str | None = field(default=None, init=False)  # outcome after the write


def fetch_row(**values: Any) -> dict[str, Any]:
    row = dict.fromkeys(FETCH_COLUMNS)
    row.update(values)
    row["fetched_at"] = row["fetched_at"] or utcnow()
    return row


def write_batch(session: Session, results: list[Result], *, source_id: int, run_id: int | None,
                revisit: RevisitPolicy) -> None:
    rows = [{**r.fetch, "source_id": source_id, "run_id": run_id} for r in results]
    ids = list(session.scalars(insert(Fetch.__table__).returning(Fetch.__table__.c.id, sort_by_parameter_order=True),
                                   rows))
    pages = [(fid, r) for fid, r in zip(ids, results, strict=True)
             if r.fetch["outcome"] == "pending" and r.extraction is not None]
    incoming = [Incoming(source_id, _document_url(r), r.extraction, r.fetch["fetched_at"], fid,
                         prepared=r.prepared) for fid, r in pages]
    stored = store_batch(session, incoming)
    seen: dict[int, dt.datetime] = {}
    updates = []
    for (fid, r), s in zip(pages, stored, strict=True):
        r.stored = s.outcome
        updates.append({"id": fid, "outcome": s.outcome, "document_id": s.document_id})
        seen[s.document_id] = max(seen.get(s.document_id, r.fetch["fetched_at"]), r.fetch["fetched_at"])
        if r.extraction is not None and r.extraction.pieces:  # a compilation: each piece a child document
            store_pieces(session, s.document_id, r.extraction.pieces, extraction=r.extraction,
                         seen_at=r.fetch["fetched_at"], fetch_id=fid)
        if r.fetch["kind"] == "attachment":
            parent = document_id_for_url(session, canonical_url(r.parent_url)) if r.parent_url else None
            mark_attachment(session, s.document_id, parent)
    if updates:
        session.execute(update(Fetch), updates)
    for r in results:
        if r.fetch["outcome"] == "unchanged" and r.fetch["document_id"] is not None:
            seen[r.fetch["document_id"]] = max(seen.get(r.fetch["document_id"], r.fetch["fetched_at"]),
                                               r.fetch["fetched_at"])
        elif r.gone:
            document_gone(session, r.fetch["url"], r.fetch["status"])
    revisit_documents(session, seen, utcnow(), revisit.young_seconds, revisit.old_seconds, revisit.young_days)


def _document_url(result: Result) -> str:
    assert result.extraction is not None
    if result.fetch["kind"] == "attachment":
        return canonical_url(result.fetch["url"])
    return choose_document_url(result.fetch["url"], result.extraction.canonical_url)
