"""The CPU half of storing a version — index tokens and the MinHash sketch — done before the write transaction.

Segmenting and sketching cost more than the rows they produce; doing them first (in an extraction worker when the
crawler has one) keeps the database's write lock short and lets a batch of pages be written in a few statements.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.clusters import bucket_keys, signature
from archive.segment import index_tokens
from corpus.normalize import normalize_text


@dataclass(frozen=True)
class Prepared:
    """What the search index and the cluster index need from one version's text; picklable."""

    title_tokens: str
    body_tokens: str
    signature: bytes | None  # NUM_PERM little-endian uint32 MinHash values; None for a text without characters
    buckets: tuple[tuple[int, int], ...]  # (band, bucket) LSH keys of the signature


def prepare(title: str | None, text_norm: str) -> Prepared:
    sig = signature(text_norm)
    return Prepared(
        title_tokens=index_tokens(normalize_text(title or "")),
        body_tokens=index_tokens(text_norm),
        signature=None if sig is None else sig.tobytes(),
        buckets=() if sig is None else tuple(bucket_keys(sig)),
    )
