"""Pulls: documents as they stood on a date, streamed export rows, diffs, similar documents, clusters, search hits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from archive.diff import char_diff, diff_stats
from archive.models import Cluster, Document, Sketch, Source, Version
from archive.queries import _iso, get_version, version_record, where_filters


class PullError(ValueError):
    """A pull that cannot be answered as asked (unknown source, missing version …)."""


@dataclass(frozen=True)
class Pull:
    """Which documents an export or a listing takes, and as of when."""

    source: str | None = None
    since: dt.date | None = None  # publication date, inclusive
    until: dt.date | None = None
    query: str | None = None  # full-text, as `search` (every term a phrase, either script)
    as_of: dt.date | None = None  # each document as it stood at the end of that day (UTC); None = current
    canonical_only: bool = False  # one document per cluster: its canonical member
    cluster: int | None = None
    limit: int | None = None


def cutoff(as_of: dt.date) -> dt.datetime:
    """Versions first seen before the next midnight (UTC) had appeared by the end of `as_of`."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


def version_as_of(session: Session, doc: Document, as_of: dt.date) -> Version | None:
    return session.scalar(select(Version).where(Version.document_id == doc.id, Version.first_seen < cutoff(as_of))
                          .order_by(Version.number.desc()).limit(1))


def check_source(session: Session, name: str | None) -> None:
    if name and session.scalar(select(Source.id).where(Source.name == name)) is None:
        known = ", ".join(session.scalars(select(Source.name).order_by(Source.name))) or "none"
        raise PullError(f"unknown source {name!r} (known: {known})")


EXPORT_COLUMNS = ("id", "url", "source", "title", "published", "publisher", "author", "editor", "version", "versions",
                  "reason", "first_seen", "last_seen", "hash", "cluster", "canonical", "meta", "text")


def _export_select(session: Session, pull: Pull) -> Select:
    if pull.as_of:
        latest = (select(Version.id).where(Version.document_id == Document.id, Version.first_seen < cutoff(pull.as_of))
                  .order_by(Version.number.desc()).limit(1).correlate(Document).scalar_subquery())
        on_version = Version.id == latest
    else:
        on_version = Version.id == Document.current_version_id
    stmt = (select(Document.id, Document.url, Source.name, Version.title, Version.published, Version.publisher,
                   Version.author, Version.editor, Version.number, Document.version_count, Version.reason,
                   Version.first_seen, Version.last_seen, Version.hash, Sketch.cluster_id, Cluster.canonical_id,
                   Version.meta, Version.text)
            .join(Version, on_version).join(Source, Source.id == Document.source_id)
            .outerjoin(Sketch, Sketch.document_id == Document.id).outerjoin(Cluster, Cluster.id == Sketch.cluster_id))
    # the index holds current versions; an as-of pull matches its query on each version's own text instead
    stmt = where_filters(session, stmt, pull.source, pull.since, pull.until, None if pull.as_of else pull.query)
    if pull.canonical_only:
        stmt = stmt.where((Cluster.canonical_id == Document.id) | Sketch.cluster_id.is_(None))
    if pull.cluster is not None:
        stmt = stmt.where(Sketch.cluster_id == pull.cluster)
    stmt = stmt.order_by(Document.id)
    if pull.as_of and pull.query:
        return stmt.add_columns(Version.text_norm)  # for text_matches; the limit then applies after matching
    return stmt.limit(pull.limit) if pull.limit else stmt


def iter_records(session: Session, pull: Pull, batch: int = 200) -> Iterator[dict[str, Any]]:
    """Export rows as plain dicts, streamed (server-side cursor on PostgreSQL) so memory stays flat."""
    from archive.search import query_terms_or_fail, text_matches

    check_source(session, pull.source)
    terms = query_terms_or_fail(pull.query) if pull.query else None
    result = session.execute(_export_select(session, pull).execution_options(yield_per=batch, stream_results=True))
    sent = 0
    for row in result:
        if pull.as_of and terms:
            *row, text_norm = row
            if not text_matches(terms, row[3], text_norm):
                continue
            if pull.limit and sent >= pull.limit:
                break
        record = dict(zip(EXPORT_COLUMNS, row, strict=True))
        record["first_seen"], record["last_seen"] = _iso(record["first_seen"]), _iso(record["last_seen"])
        record["canonical"] = record["canonical"] == record["id"] if record["cluster"] is not None else True
        record["meta"] = record["meta"] or {}
        sent += 1
        yield record


def document_record(session: Session, doc: Document, number: int | None = None,
                    as_of: dt.date | None = None) -> dict[str, Any]:
    version = version_as_of(session, doc, as_of) if as_of else get_version(session, doc, number)
    if version is None:
        what = f"as of {as_of}" if as_of else f"version {number}"
        raise PullError(f"document {doc.id} has no {what}")
    record = version_record(doc, version)
    record["cluster"] = session.scalar(select(Sketch.cluster_id).where(Sketch.document_id == doc.id))
    return record


def diff_versions(session: Session, doc: Document, old: int | None = None, new: int | None = None) -> dict[str, Any]:
    """Character diff between versions `old` and `new` (default: the previous and the current one)."""
    new = new or doc.version_count
    old = old or max(1, new - 1)
    a, b = get_version(session, doc, old), get_version(session, doc, new)
    if a is None or b is None:
        raise PullError(f"document {doc.id} has versions 1–{doc.version_count}, not {old if a is None else new}")
    ops = char_diff(a.text, b.text)
    return {"id": doc.id, "url": doc.url, "from": old, "to": new, "from_reason": a.reason, "to_reason": b.reason,
            "from_seen": _iso(a.first_seen), "to_seen": _iso(b.first_seen), "title_from": a.title,
            "title_to": b.title, **diff_stats(ops), "ops": ops}


def _brief(doc: Document, version: Version) -> dict[str, Any]:
    return {"id": doc.id, "url": doc.url, "source": doc.source.name, "title": version.title,
            "published": version.published, "publisher": version.publisher, "kind": doc.kind}


def _briefs(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = session.execute(select(Document, Version).join(Version, Version.id == Document.current_version_id)
                           .where(Document.id.in_(ids))).all()
    return {d.id: _brief(d, v) for d, v in rows}


def similar_documents(session: Session, doc: Document, limit: int = 20) -> list[dict[str, Any]]:
    """Members of the document's cluster and other LSH neighbours, with estimated similarity, most similar first."""
    import numpy as np

    from archive.clusters import candidates
    from archive.minhash import similarity

    own = session.get(Sketch, doc.id)
    if own is None:
        return []
    cluster = session.get(Cluster, own.cluster_id)
    sims = {d: s for d, _c, s in candidates(session, np.frombuffer(own.signature, dtype="<u4"), exclude=doc.id)}
    mates = session.execute(select(Sketch.document_id, Sketch.signature).where(Sketch.cluster_id == own.cluster_id,
                                                                               Sketch.document_id != doc.id)).all()
    sims |= {d: similarity(s, own.signature) for d, s in mates}
    cluster_of = dict(session.execute(select(Sketch.document_id, Sketch.cluster_id)
                                      .where(Sketch.document_id.in_(list(sims)))).all())
    ranked = sorted(sims.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    briefs = _briefs(session, [d for d, _ in ranked])
    return [briefs[d] | {"similarity": round(s, 3), "cluster": cluster_of.get(d),
                         "same_cluster": cluster_of.get(d) == own.cluster_id,
                         "canonical": cluster is not None and cluster.canonical_id == d}
            for d, s in ranked if d in briefs]


def list_clusters(session: Session, min_size: int = 2, limit: int = 50) -> list[dict[str, Any]]:
    from archive.clusters import cluster_sizes

    clusters = cluster_sizes(session, min_size, limit)
    briefs = _briefs(session, [c.canonical_id for c in clusters if c.canonical_id])
    sources: dict[int, list[str]] = {}
    rows = session.execute(select(Sketch.cluster_id, Source.name).join(Document, Document.id == Sketch.document_id)
                           .join(Source, Source.id == Document.source_id)
                           .where(Sketch.cluster_id.in_([c.id for c in clusters])).distinct())
    for cid, name in rows:
        sources.setdefault(cid, []).append(name)
    return [{"cluster": c.id, "size": c.size, "canonical": briefs.get(c.canonical_id),
             "sources": sorted(sources.get(c.id, []))} for c in clusters]


def search_records(session: Session, query: str, source: str | None = None, since: dt.date | None = None,
                   until: dt.date | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Ranked hits with a snippet of the document's own text and the highlighted spans in it."""
    from archive.search import SearchFilter, search_ids, search_terms
    from archive.snippets import snippet

    check_source(session, source)
    ranked = search_ids(session, query, SearchFilter(source=source, since=since, until=until, limit=limit))
    rows = session.execute(select(Document, Version).join(Version, Version.id == Document.current_version_id)
                           .where(Document.id.in_([i for i, _ in ranked]))).all()
    by_id = {d.id: (d, v) for d, v in rows}
    terms = search_terms(query)
    out = []
    for doc_id, score in ranked:
        doc, version = by_id[doc_id]
        text, spans = snippet(version.text, terms)
        out.append(_brief(doc, version) | {"score": float(f"{score:.6g}"), "snippet": text,
                                           "highlights": [list(s) for s in spans]})
    return out
