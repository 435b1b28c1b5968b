"""Writes: sources, runs, fetches and versions. Functions take a session and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from archive import events
from archive.clusters import ToSketch, assign_many
from archive.models import CrawlRun, Document, Fetch, Source, Version, utcnow
from archive.prepare import Prepared, prepare
from archive.search import write_index
from corpus import EXTRACTOR_VERSION

if TYPE_CHECKING:
    from corpus import Extraction, Piece


@dataclass(frozen=True)
class Stored:
    """What happened to one extracted page: new | changed | unchanged | stale."""

    outcome: str
    document_id: int
    version_number: int


def ensure_source(session: Session, name: str, title: str = "") -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, title=title)
        session.add(source)
        session.flush()
    elif title and source.title != title:
        source.title = title
    return source


def start_run(session: Session, source: Source, trigger: str = "manual", pid: int | None = None) -> CrawlRun:
    run = CrawlRun(source_id=source.id, trigger=trigger, pid=pid, status="running")
    session.add(run)
    session.flush()
    return run


def run_counts(session: Session, run_id: int) -> dict[str, int]:
    """Counts derived from the run's fetch rows, so they are right even after a crash mid-run."""
    rows = session.execute(
        select(Fetch.outcome, func.count()).where(Fetch.run_id == run_id).group_by(Fetch.outcome)
    ).all()
    by = {outcome: n for outcome, n in rows}
    return {
        "pages": sum(by.values()),
        "new_documents": by.get("new", 0),
        "new_versions": by.get("new", 0) + by.get("changed", 0),
        "errors": by.get("error", 0),
    }


def finish_run(session: Session, run_id: int, status: str, message: str | None = None) -> CrawlRun:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"no crawl run {run_id}")
    for key, value in run_counts(session, run_id).items():
        setattr(run, key, value)
    run.status = status
    run.finished_at = utcnow()
    if message:
        run.message = message
    return run


@dataclass(frozen=True)
class Incoming:
    """One extracted page for store_batch; `prepared` (archive.prepare) may come precomputed from a worker."""

    source_id: int
    url: str
    extraction: Extraction
    seen_at: dt.datetime
    fetch_id: int | None = None
    reason_if_changed: str = "changed"
    prepared: Prepared | None = None


@dataclass
class _Doc:
    """A document's state while a batch is applied: the current version may be a stored row or one of the batch's."""

    id: int
    source_id: int
    url: str
    version_count: int
    current: int | None  # stored version id, or -1 - index into the batch's new versions
    current_hash: str | None
    current_last_seen: dt.datetime | None
    last_seen: dt.datetime


def _insert_for(session: Session):  # noqa: ANN202 - dialect insert constructs differ in type
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"the archive supports SQLite and PostgreSQL, not {dialect}")
    return insert


def _documents_for(session: Session, items: Sequence[Incoming]) -> dict[str, _Doc]:
    """Insert-or-get every URL of the batch in two statements; safe when two crawls meet the same URL at once."""
    first: dict[str, Incoming] = {}
    for item in items:
        first.setdefault(item.url, item)
    rows = [{"source_id": i.source_id, "url": url, "first_seen": i.seen_at, "last_seen": i.seen_at,
             "version_count": 0} for url, i in first.items()]
    session.execute(_insert_for(session)(Document).on_conflict_do_nothing(index_elements=["url"]), rows)
    found = session.execute(
        select(Document.id, Document.source_id, Document.url, Document.version_count, Document.current_version_id,
               Version.hash, Version.last_seen.label("version_seen"), Document.last_seen)
        .outerjoin(Version, Version.id == Document.current_version_id)
        .where(Document.url.in_(list(first)))
    ).all()
    return {r.url: _Doc(r.id, r.source_id, r.url, r.version_count, r.current_version_id, r.hash, r.version_seen,
                         r.last_seen)
            for r in found}


def _published_on(published: str | None) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def _version_row(doc: _Doc, item: Incoming, reason: str) -> dict:
    extraction, meta = item.extraction, item.extraction.metadata
    return dict(
        document_id=doc.id, number=doc.version_count + 1, reason=reason,
        title=extraction.title or meta.title, text=extraction.text, text_norm=extraction.text_norm,
        hash=extraction.hash, published=meta.published, published_on=_published_on(meta.published),
        publisher=meta.publisher, author=meta.author, editor=meta.editor, meta=dict(meta.extra),
        extractor_version=EXTRACTOR_VERSION, fetch_id=item.fetch_id, first_seen=item.seen_at,
        last_seen=item.seen_at,
    )


def store_batch(session: Session, items: Sequence[Incoming]) -> list[Stored]:
    """Store many extracted pages in the caller's transaction: a version only where the normalised text hash differs
    from the document's current one, never from a result older than the current version's last sighting (that
    would fake A→B→A). Items apply in order, so one URL may appear twice. A handful of statements per batch, not per
    page: this is the crawler's and the bulk loaders' write path."""
    if not items:
        return []
    docs = _documents_for(session, items)
    new_rows: list[dict] = []
    previous: list[int | None] = []  # per new version: the version it replaces (stored id or -1 - batch index)
    carriers: list[Incoming] = []
    touched_versions: dict[int, dt.datetime] = {}
    results = []
    for item in items:
        doc = docs[item.url]
        if doc.current is not None and doc.current_hash == item.extraction.hash:
            if doc.current_last_seen is None or item.seen_at > doc.current_last_seen:
                doc.current_last_seen = item.seen_at
                if doc.current >= 0:
                    touched_versions[doc.current] = item.seen_at
                else:
                    new_rows[-1 - doc.current]["last_seen"] = item.seen_at
            results.append(Stored("unchanged", doc.id, doc.version_count))
            continue
        if doc.current is not None and doc.current_last_seen and doc.current_last_seen > item.seen_at:
            results.append(Stored("stale", doc.id, doc.version_count))
            continue
        reason = "new" if doc.current is None else item.reason_if_changed
        new_rows.append(_version_row(doc, item, reason))
        previous.append(doc.current)
        carriers.append(item)
        doc.version_count += 1
        doc.current, doc.current_hash, doc.current_last_seen = -len(new_rows), item.extraction.hash, item.seen_at
        results.append(Stored("new" if reason == "new" else "changed", doc.id, doc.version_count))
    # Core inserts (the table, not the class): the ORM's bulk path costs a Python loop per row
    table = Version.__table__
    version_ids = (list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), new_rows))
                   if new_rows else [])
    if touched_versions:
        session.execute(update(Version), [{"id": v, "last_seen": seen} for v, seen in touched_versions.items()])
    for row, vid in zip(new_rows, version_ids, strict=True):
        row["id"] = vid
    events.versions_stored(session, [(docs[c.url], row, _resolve(prev, new_rows)) for c, row, prev
                                     in zip(carriers, new_rows, previous, strict=True)])
    _update_documents(session, docs.values(), new_rows, items)
    _index_and_cluster(session, docs.values(), new_rows, carriers)
    _expire_written(session)
    return results


def _expire_written(session: Session) -> None:
    """The writes above bypass the ORM: make objects the caller holds reload the columns they changed."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Document):
            session.expire(obj, ["last_seen", "current_version_id", "version_count", "kind", "parent_id"])
        elif isinstance(obj, Version):
            session.expire(obj, ["last_seen"])


def _resolve(ref: int | None, new_rows: list[dict]) -> int | dict | None:
    return new_rows[-1 - ref] if ref is not None and ref < 0 else ref


def _update_documents(session: Session, docs: Iterable[_Doc], new_rows: list[dict], items: Sequence[Incoming]
                      ) -> None:
    """One executemany by primary key; last_seen only moves forward (a stale result must not pull it back)."""
    by_url = {d.url: d for d in docs}
    for item in items:
        doc = by_url[item.url]
        doc.last_seen = max(doc.last_seen, item.seen_at)
    values = []
    for doc in by_url.values():
        row: dict = {"id": doc.id, "last_seen": doc.last_seen}
        if doc.current is not None and doc.current < 0:
            row |= {"current_version_id": new_rows[-1 - doc.current]["id"], "version_count": doc.version_count}
        values.append(row)
    session.execute(update(Document), values)


def _index_and_cluster(session: Session, docs: Iterable[_Doc], new_rows: list[dict], carriers: list[Incoming]
                       ) -> None:
    """The search index and the clusters follow each document's (new) current version, in this same transaction."""
    latest: dict[int, tuple[dict, Incoming]] = {}
    for row, item in zip(new_rows, carriers, strict=True):
        latest[row["document_id"]] = (row, item)
    if not latest:
        return
    prepared = {d: item.prepared or prepare(row["title"], row["text_norm"]) for d, (row, item) in latest.items()}
    write_index(session, [(d, p.title_tokens, p.body_tokens) for d, p in prepared.items()])
    assign_many(session, [ToSketch(d, latest[d][0]["id"], p.signature, p.buckets) for d, p in prepared.items()])


def store_extraction(session: Session, *, source_id: int, url: str, extraction: Extraction,
                     fetch: Fetch | None = None, seen_at: dt.datetime | None = None,
                     reason_if_changed: str = "changed") -> Stored:
    """Append a version only when the normalised text hash differs from the current one (store_batch of one)."""
    item = Incoming(source_id, url, extraction, seen_at or utcnow(), fetch.id if fetch else None, reason_if_changed)
    return store_batch(session, [item])[0]


def store_pieces(session: Session, parent_doc_id: int, pieces: Sequence[Piece], *, extraction: Extraction,
                 fetch: Fetch | None = None, seen_at: dt.datetime | None = None, fetch_id: int | None = None
                 ) -> list[Stored]:
    """Each piece of a compilation as a child document (kind "piece", URL <parent>#piece-<n>), versioned like any
    document; it inherits the parent page's metadata and carries its own title. Numbers, not titles, name the
    children, so two pieces with one title stay two documents."""
    from corpus import normalize_text, text_hash

    parent = session.execute(select(Document.url, Document.source_id).where(Document.id == parent_doc_id)).first()
    if parent is None:
        raise LookupError(f"no document {parent_doc_id}")
    seen_at = seen_at or utcnow()
    items = []
    for piece in pieces:
        text_norm = normalize_text(piece.text)
        child = replace(extraction, title=piece.title, text=piece.text, text_norm=text_norm,
                        hash=text_hash(text_norm), removed=(), pieces=(), extracted="", canonical_url=None)
        items.append(Incoming(parent.source_id, f"{parent.url}#piece-{piece.number}", child, seen_at,
                              fetch.id if fetch else fetch_id))
    stored = store_batch(session, items)
    session.execute(update(Document).where(Document.id.in_([s.document_id for s in stored]))
                    .values(kind="piece", parent_id=parent_doc_id))
    _expire_written(session)
    return stored
