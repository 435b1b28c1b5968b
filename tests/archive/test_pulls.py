"""As-of pulls, diffs, clusters and search, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from archive import Archive
from archive.db import Database
from archive.pulls import PullError
from archive.search import SearchError
from corpus.normalize import to_simplified
from replica.content import load_articles
from tests.archive.helpers import T0, put

ARTICLES = {a.id: a for a in load_articles()}


def body(article_id: int) -> str:
    return "\n".join(ARTICLES[article_id].paragraphs)


@pytest.fixture
def archive(archive_url: str) -> Archive:
    a = Archive(Database(archive_url))
    yield a
    a.close()


def test_as_of_returns_the_version_current_on_that_day(archive: Archive) -> None:
    db = archive.database
    doc = put(db, "http://www.gov.cn/a.html", "第一稿。", seen=dt.datetime(2024, 3, 1, 10))
    put(db, "http://www.gov.cn/a.html", "第二稿。", seen=dt.datetime(2024, 3, 5, 10))
    assert archive.document(doc, as_of=dt.date(2024, 3, 1))["text"] == "第一稿。"
    assert archive.document(doc, as_of=dt.date(2024, 3, 4))["version"] == 1
    assert archive.document(doc, as_of=dt.date(2024, 3, 5))["text"] == "第二稿。"
    with pytest.raises(PullError):
        archive.document(doc, as_of=dt.date(2024, 2, 28))
    rows = list(archive.documents(as_of=dt.date(2024, 3, 2)))
    assert [(r["id"], r["version"], r["text"]) for r in rows] == [(doc, 1, "第一稿。")]
    assert list(archive.documents(as_of=dt.date(2024, 2, 1))) == []


def test_diff_is_character_level_and_records_why(archive: Archive) -> None:
    db = archive.database
    doc = put(db, "http://www.gov.cn/d.html", "党建引领乡村振兴。\n第二段不变。", seen=T0)
    put(db, "http://www.gov.cn/d.html", "党建引领城乡融合发展。\n第二段不变。", seen=T0 + dt.timedelta(days=1))
    diff = archive.diff(doc)
    assert (diff["from"], diff["to"], diff["from_reason"], diff["to_reason"]) == (1, 2, "new", "changed")
    ops = diff["ops"]
    assert "".join(o["text"] for o in ops if o["op"] != "insert") == "党建引领乡村振兴。\n第二段不变。"
    assert "".join(o["text"] for o in ops if o["op"] != "delete") == "党建引领城乡融合发展。\n第二段不变。"
    assert ops[0] == {"op": "equal", "text": "党建引领"}
    assert diff["deleted"] == 3 and diff["inserted"] == 5  # 村振兴 out, 城 + 融合发展 in: 乡 is kept
    with pytest.raises(PullError):
        archive.diff(doc, 1, 7)


def test_reposts_join_the_original_cluster_and_same_topic_articles_do_not(archive: Archive) -> None:
    db = archive.database
    original = put(db, "http://www.gov.cn/orig.html", body(2302), published="2023-03-09")
    # a traditional-script mirror, a document-sharing copy with banners, a compilation piece: all near-duplicates
    mirror = put(db, "http://big5.mirror.cn/a.html", body(2302).replace("党", "黨").replace("区", "區"),
                 source="mirror", published="2023-03-10")
    shared = put(db, "http://doc.share.cn/p/1.html", "由会员分享，请在课桌文档上搜索更多范文\n" + body(2302)
                 + "\n本文内容由互联网用户自发贡献，如若转载请注明出处。", source="share", published=None)
    piece = put(db, "http://x.cn/huibian/3.html", body(2302).split("\n", 1)[1], source="x", published="2023-06-01")
    others = [put(db, f"http://www.gov.cn/o{i}.html", body(i)) for i in (2401, 2402, 2306)]
    clusters = archive.clusters()
    assert len(clusters) == 1
    cluster = clusters[0]
    assert cluster["size"] == 4 and cluster["canonical"]["id"] == original
    assert set(cluster["sources"]) == {"gov", "mirror", "share", "x"}
    similar = {s["id"]: s for s in archive.similar(original)}
    assert {mirror, shared, piece} <= set(similar)
    assert all(similar[d]["same_cluster"] for d in (mirror, shared, piece))
    assert not any(similar.get(o, {}).get("same_cluster") for o in others)
    canon = [r["id"] for r in archive.documents(canonical_only=True)]
    assert original in canon and not {mirror, shared, piece} & set(canon) and set(others) <= set(canon)


def test_canonical_prefers_official_then_earliest(archive: Archive) -> None:
    db = archive.database
    repost = put(db, "http://news.site.com/r.html", body(2405), published="2023-01-01", source="site")
    official = put(db, "http://www.gov.cn/z.html", body(2405), published="2023-01-02")
    assert archive.clusters()[0]["canonical"]["id"] == official
    assert repost != official


def test_search_crosses_scripts_filters_and_highlights(archive: Archive) -> None:
    db = archive.database
    put(db, "http://www.gov.cn/1.html", "浙江“千万工程”经验。基层党建引领乡村振兴。", published="2024-01-19")
    put(db, "http://big5.x.cn/2.html", "臨江市黨建引領基層治理。", source="mirror", published="2023-05-18")
    put(db, "http://www.gov.cn/3.html", "国务院办公厅关于印发通知。", published="2022-02-01")
    hits = archive.search("党建引领")
    assert len(hits) == 2
    assert {h["source"] for h in hits} == {"gov", "mirror"}
    trad = next(h for h in hits if h["source"] == "mirror")
    start, end = trad["highlights"][0]
    assert trad["snippet"][start:end] == "黨建引領"  # the document's own script, the matched words marked
    assert [h["source"] for h in archive.search("黨建引領", source="mirror")] == ["mirror"]
    assert len(archive.search("党建", since=dt.date(2024, 1, 1))) == 1
    assert len(archive.search("党建", until=dt.date(2023, 12, 31))) == 1
    assert len(archive.search("千万工程 党建")) == 1
    assert len(archive.search("国务院")) == 1  # a word inside the longer 国务院办公厅
    assert archive.search("不存在的词") == []
    with pytest.raises(SearchError):
        archive.search("，。！？……")
    with pytest.raises(PullError):
        archive.search("党建", source="nosuch")


def test_search_index_follows_the_current_version(archive: Archive) -> None:
    db = archive.database
    put(db, "http://www.gov.cn/v.html", "原稿提到千万工程。", seen=T0, published="2020-05-01")
    put(db, "http://www.gov.cn/v.html", "新稿只谈乡村振兴。", seen=T0 + dt.timedelta(days=1), published="2024-05-01")
    assert archive.search("千万工程") == []
    assert len(archive.search("乡村振兴")) == 1
    assert len(archive.search("乡村振兴", since=dt.date(2024, 1, 1))) == 1  # the filters follow it too
    assert archive.search("乡村振兴", until=dt.date(2021, 1, 1)) == []


def test_traditional_copy_as_same_simplified(archive: Archive) -> None:
    text = body(2304)
    assert to_simplified(text) != text  # the replica's article 2304 is traditional
    db = archive.database
    put(db, "http://www.gov.cn/t.html", to_simplified(text))
    put(db, "http://hk.x.cn/t.html", text, source="hk")
    assert archive.clusters()[0]["size"] == 2


def test_query_filter_is_the_full_text_search(archive: Archive) -> None:
    """docs list / export --query match as `search` does: words (not substrings), either script, every term."""
    from archive.queries import DocumentFilter, list_documents

    db = archive.database
    a = put(db, "http://www.gov.cn/q1.html", "浙江千万工程经验。基层党建引领乡村振兴。", published="2024-01-19")
    put(db, "http://www.gov.cn/q2.html", "政党建设要从严。", published="2024-01-20")  # 党建 only as a substring
    b = put(db, "http://big5.x.cn/q3.html", "臨江市黨建引領基層治理。", source="mirror", published="2023-05-18")

    def ids(**filters: object) -> set[int]:
        return {r["id"] for r in archive.documents(**filters)}

    assert ids(query="党建") == ids(query="黨建") == {a, b} == {h["id"] for h in archive.search("党建")}
    assert ids(query="党建 千万工程") == {a}
    assert ids(query="党建", source="mirror") == {b}
    with db.reading() as s:
        assert {d.id for d, _ in list_documents(s, DocumentFilter(query="黨建引領"))} == {a, b}
        with pytest.raises(SearchError):
            list_documents(s, DocumentFilter(query="，。"))
    with pytest.raises(SearchError):
        ids(query="……")


def test_as_of_query_matches_the_version_of_that_day(archive: Archive) -> None:
    db = archive.database
    doc = put(db, "http://www.gov.cn/aq.html", "原稿提到千万工程。", seen=dt.datetime(2024, 3, 1, 10))
    put(db, "http://www.gov.cn/aq.html", "新稿只谈乡村振兴。", seen=dt.datetime(2024, 3, 5, 10))
    day = dt.date(2024, 3, 2)
    assert [r["version"] for r in archive.documents(query="千萬工程", as_of=day)] == [1]
    assert list(archive.documents(query="乡村振兴", as_of=day)) == []
    assert list(archive.documents(query="千万工程")) == []
    assert [r["id"] for r in archive.documents(query="乡村振兴", as_of=dt.date(2024, 3, 6), limit=1)] == [doc]


def test_search_ranks_a_bounded_set_of_the_newest_matches(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the newest RANK_CANDIDATES matches are ranked, yet every result is a true match, filters reach older
    documents, and a phrase that the newest word-matches lack is still found further back."""
    import archive.search as search

    monkeypatch.setattr(search, "RANK_CANDIDATES", 2)
    db = archive.database
    old = [put(db, f"http://www.gov.cn/p{i}.html", "推广千万工程经验。" * (i + 1), published="2020-01-01",
               source="county" if i == 0 else "gov") for i in range(3)]
    new = [put(db, f"http://www.gov.cn/n{i}.html", "工程质量千万不能放松。", published="2024-01-01")
           for i in range(4)]
    assert {h["id"] for h in archive.search("千万工程", limit=20)} == set(old)
    assert {h["id"] for h in archive.search("千万工程", limit=2)} <= set(old)
    assert len(archive.search("千万", limit=2)) == 2
    assert {h["id"] for h in archive.search("千万", limit=2)} <= set(old) | set(new)
    assert [h["id"] for h in archive.search("千万", source="county", limit=2)] == [old[0]]
    assert {h["id"] for h in archive.search("千万", until=dt.date(2021, 1, 1), limit=2)} <= set(old)
    assert len(archive.search("千万", limit=100)) == 7
