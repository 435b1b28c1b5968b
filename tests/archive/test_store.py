"""Version rules: a new version only when the normalised text changes; stale results never fake A→B→A."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.db import Database
from archive.models import Document, Version
from archive.queries import DocumentFilter, history, list_documents
from archive.store import ensure_source, store_extraction
from archive.urls import canonical_url, choose_document_url
from corpus import Extraction, Metadata
from corpus.fingerprint import text_hash
from corpus.normalize import normalize_text


def extraction(text: str, published: str | None = "2024-01-19T13:10:00+08:00") -> Extraction:
    norm = normalize_text(text)
    return Extraction(title="标题", text=text, text_norm=norm, hash=text_hash(norm),
                      metadata=Metadata(published=published, publisher="人民日报"))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    yield database
    database.dispose()


T0 = dt.datetime(2024, 1, 1)


def _store(db: Database, text: str, seen: dt.datetime, url: str = "http://x.cn/a.html") -> str:
    with db.unit_of_work() as s:
        src = ensure_source(s, "x")
        return store_extraction(s, source_id=src.id, url=url, extraction=extraction(text), seen_at=seen).outcome


def test_same_text_twice_is_one_version(db: Database) -> None:
    assert _store(db, "党建引领乡村振兴。", T0) == "new"
    assert _store(db, "党建引领乡村振兴。", T0 + dt.timedelta(hours=1)) == "unchanged"
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == 1
        v = s.scalars(select(Version)).one()
        assert v.last_seen == T0 + dt.timedelta(hours=1) and v.first_seen == T0


def test_traditional_copy_hashes_like_simplified(db: Database) -> None:
    _store(db, "党建引领乡村振兴。", T0)
    assert _store(db, "黨建引領鄉村振興。", T0 + dt.timedelta(hours=1)) == "unchanged"


def test_change_then_change_back_is_three_versions(db: Database) -> None:
    for i, text in enumerate(["甲。", "乙。", "甲。"]):
        _store(db, text, T0 + dt.timedelta(hours=i))
    with db.unit_of_work() as s:
        doc = s.scalars(select(Document)).one()
        assert [v.reason for v in history(s, doc)] == ["new", "changed", "changed"]
        assert doc.version_count == 3


def test_stale_result_never_creates_a_version(db: Database) -> None:
    _store(db, "甲。", T0)
    _store(db, "乙。", T0 + dt.timedelta(hours=2))
    assert _store(db, "甲。", T0 + dt.timedelta(hours=1)) == "stale"
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == 2


def test_filters_by_publication_date_and_query(db: Database) -> None:
    _store(db, "千万工程经验。", T0, url="http://x.cn/1.html")
    with db.unit_of_work() as s:
        assert len(list_documents(s, DocumentFilter(since=dt.date(2024, 1, 19)))) == 1
        assert len(list_documents(s, DocumentFilter(until=dt.date(2024, 1, 18)))) == 0
        assert len(list_documents(s, DocumentFilter(query="千萬工程"))) == 1
        assert len(list_documents(s, DocumentFilter(query="不存在"))) == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Gov.CN:80/zhengce/a.htm#top", "http://www.gov.cn/zhengce/a.htm"),
        ("https://x.cn/a.html?utm_source=wx&id=3&spm=1.2", "https://x.cn/a.html?id=3"),
        ("https://x.cn", "https://x.cn/"),
        ("https://x.cn:8443/a", "https://x.cn:8443/a"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_link_only_within_the_same_site() -> None:
    assert choose_document_url("http://www.x.cn/a.html?from=wx", "http://x.cn/a.html") == "http://x.cn/a.html"
    assert choose_document_url("http://x.cn/a.html", "http://other.cn/b.html") == "http://x.cn/a.html"
