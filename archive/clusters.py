"""Near-duplicate clusters: MinHash over character shingles, a banded LSH index kept in the database, canonicals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from archive.minhash import THRESHOLD, bucket_keys, signature, similarity
from archive.models import Cluster, Document, Sketch, SketchBand, Version, utcnow

if TYPE_CHECKING:  # numpy is imported where used: a crawl that extracts nothing never needs it
    import numpy as np

MAX_CANDIDATES = 200  # bucket-mates examined per new document: keeps the per-document cost flat
# Publishers whose copy is preferred as a cluster's canonical member (hosts; government, party and state media).
OFFICIAL_HOSTS = (".gov.cn", "12371.cn", "people.com.cn", "xinhuanet.com", "news.cn", "qstheory.cn", "gmw.cn",
                  "cctv.com", "chinadaily.com.cn", "cpcnews.cn", "ccps.gov.cn")


def candidates(session: Session, sig: np.ndarray, exclude: int | None = None) -> list[tuple[int, int, float]]:
    """(document_id, cluster_id, similarity) of documents sharing an LSH bucket, most similar first."""
    # OR of (band, bucket) pairs, not a row-value IN: SQLite scans the table for the latter, and seeks the primary key
    # once per band for the former (PostgreSQL makes a BitmapOr of the same index)
    ids = select(SketchBand.document_id).where(
        or_(*(and_(SketchBand.band == b, SketchBand.bucket == k) for b, k in bucket_keys(sig))))
    if exclude is not None:
        ids = ids.where(SketchBand.document_id != exclude)
    ids = ids.distinct().limit(MAX_CANDIDATES)
    rows = session.execute(select(Sketch.document_id, Sketch.cluster_id, Sketch.signature)
                           .where(Sketch.document_id.in_(ids.scalar_subquery()))).all()
    found = [(d, c, similarity(s, sig)) for d, c, s in rows]
    return sorted(found, key=lambda r: (-r[2], r[0]))


def _is_official(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h.lstrip(".") or host.endswith("." + h.lstrip(".")) for h in OFFICIAL_HOSTS)


def _canonical_key(url: str, kind: str, published_on, first_seen, doc_id: int) -> tuple:  # noqa: ANN001
    """Official publishers first, then the earliest publication, then standalone articles over pieces."""
    return (not _is_official(url), published_on is None, published_on or first_seen.date(), kind != "article",
            first_seen, doc_id)


def refresh_canonicals(session: Session, cluster_ids: Iterable[int]) -> None:
    """Recompute size and canonical member of these clusters (one read, one executemany)."""
    ids = sorted(set(cluster_ids))
    if not ids:
        return
    rows = session.execute(
        select(Sketch.cluster_id, Document.url, Document.kind, Version.published_on, Document.first_seen, Document.id)
        .join(Document, Sketch.document_id == Document.id)
        .join(Version, Version.id == Document.current_version_id)
        .where(Sketch.cluster_id.in_(ids))
    ).all()
    by_cluster: dict[int, list] = defaultdict(list)
    for row in rows:
        by_cluster[row[0]].append(row[1:])
    now = utcnow()
    values = []
    for cid in ids:
        found = by_cluster.get(cid, [])
        best = min(found, key=lambda r: _canonical_key(*r))[4] if found else None
        values.append({"id": cid, "canonical_id": best, "size": len(found), "updated_at": now})
    session.execute(update(Cluster), values)


@dataclass(frozen=True)
class ToSketch:
    """A document whose current version changed, with its precomputed sketch (archive.prepare)."""

    document_id: int
    version_id: int
    signature: bytes | None
    buckets: tuple[tuple[int, int], ...]


def _database_neighbours(session: Session, items: Sequence[ToSketch]) -> tuple[dict[int, set[int]], dict]:
    """For each item, the stored documents sharing an LSH bucket (at most MAX_CANDIDATES each), and their sketches."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for item in items:
        for band, bucket in item.buckets:
            wanted[band].add(bucket)
    if not wanted:
        return {}, {}
    # per band an IN list: SQLite and PostgreSQL both seek the (band, bucket, document_id) primary key
    rows = session.execute(select(SketchBand.band, SketchBand.bucket, SketchBand.document_id).where(
        or_(*(and_(SketchBand.band == band, SketchBand.bucket.in_(sorted(keys))) for band, keys in wanted.items()))))
    holders: dict[tuple[int, int], list[int]] = defaultdict(list)
    for band, bucket, doc_id in rows:
        holders[(band, bucket)].append(doc_id)
    near: dict[int, set[int]] = {}
    for item in items:
        found: set[int] = set()
        for key in item.buckets:
            for doc_id in holders.get(key, ()):
                if doc_id != item.document_id and len(found) < MAX_CANDIDATES:
                    found.add(doc_id)
        near[item.document_id] = found
    ids = set().union(*near.values()) if near else set()
    sketches = {d: (c, s) for d, c, s in session.execute(
        select(Sketch.document_id, Sketch.cluster_id, Sketch.signature).where(Sketch.document_id.in_(ids)))} \
        if ids else {}
    return near, sketches


def assign_many(session: Session, items: Sequence[ToSketch]) -> list[int | None]:
    """Put each document in the cluster of its most similar neighbour (stored, or earlier in this batch), or a new one.

    Cost per document: one share of a batched bucket lookup and at most MAX_CANDIDATES comparisons — flat in the
    archive's size. Runs in the caller's transaction, beside the version inserts.
    """
    import numpy as np

    if not items:
        return []
    doc_ids = [i.document_id for i in items]
    old = {d: c for d, c in session.execute(select(Sketch.document_id, Sketch.cluster_id)
                                            .where(Sketch.document_id.in_(doc_ids)))}
    if old:
        session.execute(delete(SketchBand).where(SketchBand.document_id.in_(list(old))))
    near_db, sketches = _database_neighbours(session, items)
    in_batch: dict[int, tuple[object, np.ndarray]] = {}  # document → (cluster id or placeholder, signature)
    batch_buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    placeholders: list[int] = []  # documents founding a new cluster, in order
    chosen: dict[int, tuple[object, float, bytes | None]] = {}
    touched: set[object] = set()
    for item in items:
        if item.signature is None:
            in_batch.pop(item.document_id, None)
            chosen[item.document_id] = (None, 0.0, None)
            continue
        sig = np.frombuffer(item.signature, dtype="<u4")
        scored = []
        for doc_id in near_db.get(item.document_id, ()):
            if doc_id in sketches and doc_id not in in_batch and doc_id not in chosen:
                cluster, stored_sig = sketches[doc_id]
                scored.append((similarity(stored_sig, sig), doc_id, cluster))
        mates = {d for key in item.buckets for d in batch_buckets.get(key, ()) if d != item.document_id}
        scored += [(similarity(in_batch[d][1], sig), d, in_batch[d][0]) for d in mates if d in in_batch]
        scored = sorted((s for s in scored if s[0] >= THRESHOLD), key=lambda s: (-s[0], s[1]))
        if scored:
            sim, _, cluster = scored[0]
            touched.add(cluster)
        elif old.get(item.document_id) is not None:
            sim, cluster = 1.0, old[item.document_id]
            touched.add(cluster)
        else:  # a cluster of its own: it is its canonical, nothing to compare
            sim, cluster = 1.0, ("new", len(placeholders))
            placeholders.append(item.document_id)
        in_batch[item.document_id] = (cluster, sig)
        chosen[item.document_id] = (cluster, sim, item.signature)
        for key in item.buckets:
            batch_buckets[key].append(item.document_id)
    new_ids: list[int] = []
    if placeholders:
        table = Cluster.__table__
        new_ids = list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                       [{"size": 1, "canonical_id": d} for d in placeholders]))

    def real(cluster: object) -> int | None:
        return new_ids[cluster[1]] if isinstance(cluster, tuple) else cluster  # type: ignore[index,return-value]

    by_item = {i.document_id: i for i in items}
    inserts, updates, bands, gone = [], [], [], []
    for doc_id, (cluster, sim, sig_bytes) in chosen.items():
        item = by_item[doc_id]
        if cluster is None:
            if doc_id in old:
                gone.append(doc_id)
            continue
        row = {"document_id": doc_id, "version_id": item.version_id, "cluster_id": real(cluster),
               "signature": sig_bytes, "similarity": sim}
        (updates if doc_id in old else inserts).append(row)
        bands += [{"band": b, "bucket": k, "document_id": doc_id} for b, k in item.buckets]
    if gone:
        session.execute(delete(Sketch).where(Sketch.document_id.in_(gone)))
    if inserts:
        session.execute(insert(Sketch.__table__), inserts)
    if updates:
        session.execute(update(Sketch), updates)
    if bands:
        session.execute(insert(SketchBand.__table__), bands)
    refresh = {real(c) for c in touched} | {c for d, c in old.items() if real(chosen[d][0]) != c}
    refresh_canonicals(session, [c for c in refresh if c is not None])
    for obj in list(session.identity_map.values()):  # Core writes above: drop stale ORM copies
        if isinstance(obj, (Sketch, Cluster)):
            session.expire(obj)
    return [real(chosen[i.document_id][0]) for i in items]


def assign(session: Session, document_id: int, version_id: int, text_norm: str) -> int | None:
    """Sketch one document's current version and cluster it (see assign_many)."""
    sig = signature(text_norm)
    item = ToSketch(document_id, version_id, None if sig is None else sig.tobytes(),
                    () if sig is None else tuple(bucket_keys(sig)))
    return assign_many(session, [item])[0]


def cluster_of(session: Session, document_id: int) -> int | None:
    return session.scalar(select(Sketch.cluster_id).where(Sketch.document_id == document_id))


def cluster_sizes(session: Session, min_size: int = 2, limit: int = 50) -> list[Cluster]:
    return list(session.scalars(select(Cluster).where(Cluster.size >= min_size)
                                .order_by(Cluster.size.desc(), Cluster.id).limit(limit)))


def members(session: Session, cluster_id: int) -> list[tuple[int, float]]:
    rows = session.execute(select(Sketch.document_id, Sketch.similarity).where(Sketch.cluster_id == cluster_id)
                           .order_by(Sketch.document_id))
    return [(d, s) for d, s in rows]


def cluster_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Cluster).where(Cluster.size >= 2)) or 0
