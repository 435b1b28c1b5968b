"""Learned boilerplate is stored per source and loaded back; compilation pieces become child documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from archive.boilerplate import learn_source, load_learned, show_learned
from archive.db import Database
from archive.models import Document
from archive.store import ensure_source, store_extraction, store_pieces
from corpus import Extraction, Metadata, Piece, extract_page
from corpus.fingerprint import text_hash
from corpus.normalize import normalize_text


def _extraction(text: str) -> Extraction:
    norm = normalize_text(text)
    return Extraction(title="标题", text=text, text_norm=norm, hash=text_hash(norm),
                      metadata=Metadata(published="2024-01-19", publisher="人民日报"))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    yield database
    database.dispose()


def test_learn_store_show_and_reapply(db: Database) -> None:
    with db.unit_of_work() as s:
        src = ensure_source(s, "site")
        for i in range(6):
            text = f"第{i}篇文章的正文,内容各不相同。\n政策解读专栏每周五更新"
            store_extraction(s, source_id=src.id, url=f"http://x.cn/{i}.html", extraction=_extraction(text))
        learned = learn_source(s, "site", threshold=0.5)
    assert learned.sample == 6 and learned.lines == (("政策解读专栏每周五更新", 6),)
    with db.unit_of_work() as s:
        lines = load_learned(s, "site")
        assert show_learned(s, "site").lines == learned.lines
    page = "<html><body><article><p>新的文章正文在这里,讲述了乡村振兴的新进展和新成效。</p>" \
           "<p>政策解读专栏每周五更新</p></article></body></html>"
    result = extract_page(page.encode(), boilerplate=lines, boilerplate_source="site")
    assert "专栏每周五" not in result.text and "新进展" in result.text
    assert any(r.kind == "learned" and r.rule == "learned:site" for r in result.removed)


def test_unknown_source_is_a_lookup_error(db: Database) -> None:
    with db.unit_of_work() as s, pytest.raises(LookupError):
        learn_source(s, "nope")


def test_pieces_are_children_and_duplicate_titles_stay_apart(db: Database) -> None:
    pieces = (Piece("打造雁阵队伍", "甲县的做法。", 1), Piece("打造雁阵队伍", "乙县的做法。", 2))
    with db.unit_of_work() as s:
        src = ensure_source(s, "site")
        parent = _extraction("汇编全文")
        stored = store_extraction(s, source_id=src.id, url="http://x.cn/hb.html", extraction=parent)
        children = store_pieces(s, stored.document_id, pieces, extraction=parent)
        assert [c.outcome for c in children] == ["new", "new"]
        again = store_pieces(s, stored.document_id, pieces, extraction=parent)
        assert [c.outcome for c in again] == ["unchanged", "unchanged"]
        docs = s.scalars(select(Document).where(Document.kind == "piece").order_by(Document.url)).all()
        assert [d.url for d in docs] == ["http://x.cn/hb.html#piece-1", "http://x.cn/hb.html#piece-2"]
        assert {d.parent_id for d in docs} == {stored.document_id}
