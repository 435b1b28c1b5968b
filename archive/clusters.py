"""Near-duplicate clusters: MinHash over character shingles, a banded LSH index kept in the database, canonicals."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from archive.models import Cluster, Document, Sketch, SketchBand, Version, utcnow

NUM_PERM = 128
SHINGLE = 5  # characters; Chinese has no word spaces, and 5 keeps two same-topic articles far apart
THRESHOLD = 0.5  # estimated Jaccard at which a document joins another's cluster
MAX_CANDIDATES = 200  # bucket-mates examined per new document: keeps the per-document cost flat
# Publishers whose copy is preferred as a cluster's canonical member (hosts; government, party and state media).
OFFICIAL_HOSTS = (".gov.cn", "12371.cn", "people.com.cn", "xinhuanet.com", "news.cn", "qstheory.cn", "gmw.cn",
                  "cctv.com", "chinadaily.com.cn", "cpcnews.cn", "ccps.gov.cn")
_NOT_TEXT = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def _prototype():  # noqa: ANN202 - datasketch has no types
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    return MinHash(num_perm=NUM_PERM, seed=1), lsh.b, lsh.r


def shingle_hashes(text_norm: str) -> np.ndarray:
    """32-bit hashes of the character shingles (spaces and punctuation removed: banners and layout move those),
    computed in one vectorised pass."""
    chars = _NOT_TEXT.sub("", text_norm)
    if not chars:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    n = max(1, len(codes) - SHINGLE + 1)
    h = np.zeros(n, dtype=np.uint64)
    for k in range(min(SHINGLE, len(codes))):
        h = h * np.uint64(1_000_003) + codes[k:k + n]
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    return np.unique(h & np.uint64(0xFFFFFFFF))


def signature(text_norm: str) -> np.ndarray | None:
    """MinHash (datasketch's permutations) of the shingle hashes, as uint32 values."""
    from datasketch import MinHash

    hashes = shingle_hashes(text_norm)
    if not len(hashes):
        return None
    proto, _b, _r = _prototype()
    m = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int, permutations=proto.permutations)
    m.update_batch(hashes)
    return m.hashvalues.astype("<u4")


def _buckets(sig: np.ndarray) -> list[tuple[int, int]]:
    _proto, bands, rows = _prototype()
    out = []
    for band in range(bands):
        digest = hashlib.blake2b(sig[band * rows:(band + 1) * rows].tobytes(), digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "little", signed=True)))
    return out


def similarity(a: bytes | np.ndarray, b: bytes | np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    va = np.frombuffer(a, dtype="<u4") if isinstance(a, bytes) else a
    vb = np.frombuffer(b, dtype="<u4") if isinstance(b, bytes) else b
    return float(np.mean(va == vb))


def candidates(session: Session, sig: np.ndarray, exclude: int | None = None) -> list[tuple[int, int, float]]:
    """(document_id, cluster_id, similarity) of documents sharing an LSH bucket, most similar first."""
    # OR of (band, bucket) pairs, not a row-value IN: SQLite scans the table for the latter, and seeks the primary key
    # once per band for the former (PostgreSQL makes a BitmapOr of the same index)
    ids = select(SketchBand.document_id).where(
        or_(*(and_(SketchBand.band == b, SketchBand.bucket == k) for b, k in _buckets(sig))))
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


def refresh_canonical(session: Session, cluster_id: int) -> None:
    rows = session.execute(
        select(Document.url, Document.kind, Version.published_on, Document.first_seen, Document.id)
        .join(Sketch, Sketch.document_id == Document.id)
        .join(Version, Version.id == Document.current_version_id)
        .where(Sketch.cluster_id == cluster_id)
    ).all()
    best = min(rows, key=lambda r: _canonical_key(*r))[4] if rows else None
    session.execute(update(Cluster).where(Cluster.id == cluster_id)
                    .values(canonical_id=best, size=len(rows), updated_at=utcnow()))


def assign(session: Session, document_id: int, version_id: int, text_norm: str) -> int | None:
    """Sketch a document's current version and put it in the cluster of its most similar neighbour (or a new one).

    Cost per document: one signature, one indexed bucket lookup, at most MAX_CANDIDATES comparisons — flat in the
    archive's size. Runs in the caller's transaction, beside the version insert.
    """
    sig = signature(text_norm)
    old = session.get(Sketch, document_id)
    old_cluster = old.cluster_id if old else None
    session.execute(delete(SketchBand).where(SketchBand.document_id == document_id))
    if sig is None:
        if old is not None:
            session.delete(old)
            session.flush()
            refresh_canonical(session, old_cluster)
        return None
    near = [c for c in candidates(session, sig, exclude=document_id) if c[2] >= THRESHOLD]
    if near:
        cluster_id, sim = near[0][1], near[0][2]
    elif old_cluster is not None:
        cluster_id, sim = old_cluster, 1.0
    else:  # a cluster of its own: it is its canonical, nothing to compare
        cluster = Cluster(size=1, canonical_id=document_id)
        session.add(cluster)
        session.flush()
        cluster_id, sim = cluster.id, 1.0
    if old is None:
        session.add(Sketch(document_id=document_id, version_id=version_id, cluster_id=cluster_id,
                           signature=sig.tobytes(), similarity=sim))
    else:
        old.version_id, old.cluster_id, old.signature, old.similarity = version_id, cluster_id, sig.tobytes(), sim
    session.add_all(SketchBand(band=b, bucket=k, document_id=document_id) for b, k in _buckets(sig))
    session.flush()
    if near or old_cluster is not None:
        refresh_canonical(session, cluster_id)
    if old_cluster is not None and old_cluster != cluster_id:
        refresh_canonical(session, old_cluster)
    return cluster_id


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
