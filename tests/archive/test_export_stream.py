"""Exports stream: peak memory does not grow with the archive (500 vs 1,500 documents of ~32 KB each)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import text

from archive.db import Database
from archive.export import write_export
from archive.pulls import Pull, iter_records

BODY = "党建引领基层治理，千万工程经验推广。" * 600  # ~32 KB of UTF-8 per document


def _add(db: Database, first: int, last: int) -> None:
    ids = [{"i": i, "t": BODY} for i in range(first, last + 1)]
    with db.unit_of_work() as s:
        s.execute(text("insert into document (id, source_id, url, first_seen, last_seen, version_count, kind) "
                       "values (:i, 1, 'http://x.cn/' || :i, '2024-01-01', '2024-01-01', 1, 'article')"), ids)
        s.execute(text("insert into version (id, document_id, number, reason, text, text_norm, hash, meta, "
                       "extractor_version, first_seen, last_seen) values (:i, :i, 1, 'new', :t || :i, :t, 'h', "
                       "'{}', '0', '2024-01-01', '2024-01-01')"), ids)
        s.execute(text("update document set current_version_id = id"))


def _peak(db: Database, out: Path, fmt: str) -> int:
    tracemalloc.start()
    with db.reading() as s:
        write_export(iter_records(s, Pull()), fmt, out)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "txt"])
def test_export_memory_is_flat(tmp_path: Path, fmt: str) -> None:
    db = Database(f"sqlite:///{tmp_path / 'big.sqlite3'}")
    with db.unit_of_work() as s:
        s.execute(text("insert into source (id, name, title, created_at) values (1, 'x', '', '2024-01-01')"))
    _add(db, 1, 500)
    small = _peak(db, tmp_path / f"small.{fmt}", fmt)
    _add(db, 501, 1500)
    big = _peak(db, tmp_path / f"big.{fmt}", fmt)
    db.dispose()
    assert big < small * 1.3 + (2 << 20), f"{fmt}: peak {small / 1e6:.1f} MB → {big / 1e6:.1f} MB for 3x the texts"
    assert big < 40 << 20  # a few batches, whatever the archive holds
