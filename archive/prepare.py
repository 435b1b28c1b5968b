"""The CPU half of storing a version — index tokens and the MinHash sketch — done before the write transaction.

Segmenting and sketching cost more than the rows they produce; doing them first (in an extraction worker when the
crawler has one) keeps the database's write lock short and lets a batch of pages be written in a few statements.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from archive.minhash import bucket_keys, signature
from archive.segment import index_tokens


@dataclass(frozen=True)
class Prepared:
    """What the search index and the cluster index need from one version's text; picklable."""

    title_tokens: str
    body_tokens: str
    signature: bytes | None  # NUM_PERM little-endian uint32 MinHash values; None for a text without characters
    buckets: tuple[tuple[int, int], ...]  # (band, bucket) LSH keys of the signature


def prepare(title: str | None, text_norm: str) -> Prepared:
    from corpus.normalize import normalize_text

    sig = signature(text_norm)
    return Prepared(
        title_tokens=index_tokens(normalize_text(title or "")),
        body_tokens=index_tokens(text_norm),
        signature=None if sig is None else sig.tobytes(),
        buckets=() if sig is None else tuple(bucket_keys(sig)),
    )


def _prepare_pair(pair: tuple[str | None, str]) -> Prepared:
    return prepare(*pair)


def prepare_many(pairs: list[tuple[str | None, str]], pool: Executor | None = None) -> list[Prepared]:
    """prepare() for many (title, text_norm) pairs, in a process pool when given one (bulk loads, reprocessing)."""
    if pool is None:
        return [prepare(t, n) for t, n in pairs]
    return list(pool.map(_prepare_pair, pairs, chunksize=max(1, len(pairs) // 16)))
