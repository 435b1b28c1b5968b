"""The pipeline archives results in batches: a page the database rejects must not take its batch-mates with it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from archive.db import Database
from archive.store import ensure_source
from crawler.items import ArticlePage, FetchNote
from crawler.pipelines import ArchivePipeline

PAGE = """<html><head><meta charset="utf-8"><title>{title}</title></head><body><div class="article">
<h1>{title}</h1><p>{body}</p><p>各地区各部门要结合实际认真贯彻落实，确保各项任务落到实处、取得实效。</p></div></body></html>"""


def _page(url: str, title: str, body: str) -> ArticlePage:
    html = PAGE.format(title=title, body=body).encode()
    return ArticlePage(url=url, status=200, body=html, content_type="text/html; charset=utf-8",
                       http_charset="utf-8", elapsed_ms=3)


def _pipeline(tmp_path: Path) -> tuple[ArchivePipeline, str]:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    db = Database(url)
    with db.unit_of_work() as session:
        source_id = ensure_source(session, "gov").id
    db.dispose()
    pipeline = ArchivePipeline(url, "gov", source_id, None, "", workers=0)
    pipeline.open_spider()
    return pipeline, url


def _feed(pipeline: ArchivePipeline, items: list[object]) -> None:
    async def go() -> None:
        for item in items:
            await pipeline.process_item(item)
        pipeline.close_spider()

    asyncio.run(go())


def _rows(url: str, sql: str) -> list[tuple]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql).fetchall()


def test_a_rejected_page_is_an_error_row_and_its_batch_mates_are_archived(tmp_path: Path) -> None:
    pipeline, url = _pipeline(tmp_path)
    # a real database refusal for one URL (as a constraint or a full disk would refuse it)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("CREATE TRIGGER poison BEFORE INSERT ON document WHEN NEW.url LIKE '%poison%' "
                     "BEGIN SELECT RAISE(ABORT, 'poisoned page'); END")
    items = [_page(f"http://gov.example/art/{n}.html", f"关于第{n}项工作的通知", f"第{n}项工作的具体安排如下。")
             for n in range(5)]
    items.insert(2, _page("http://gov.example/art/poison.html", "一篇会被拒绝的文章", "数据库拒绝写入这一页。"))
    items.append(FetchNote(url="http://gov.example/list/index.html", kind="listing", outcome="listing", status=200))
    _feed(pipeline, items)

    fetches = _rows(url, "SELECT url, outcome, error FROM fetch ORDER BY id")
    by_url = {u: (o, e) for u, o, e in fetches}
    assert len(fetches) == 7
    assert by_url["http://gov.example/art/poison.html"][0] == "error"
    assert "archive write failed" in by_url["http://gov.example/art/poison.html"][1]
    assert "poisoned page" in by_url["http://gov.example/art/poison.html"][1]
    assert [by_url[f"http://gov.example/art/{n}.html"][0] for n in range(5)] == ["new"] * 5
    assert by_url["http://gov.example/list/index.html"][0] == "listing"
    docs = _rows(url, "SELECT d.url, v.number, v.title FROM document d JOIN version v ON v.id = d.current_version_id")
    assert sorted(d[0] for d in docs) == [f"http://gov.example/art/{n}.html" for n in range(5)]


def test_one_url_twice_in_a_batch_gives_one_version_then_a_change(tmp_path: Path) -> None:
    pipeline, url = _pipeline(tmp_path)
    same = "http://gov.example/art/1.html"
    _feed(pipeline, [_page(same, "关于开展调研的通知", "第一稿的内容。"),
                     _page(same, "关于开展调研的通知", "第一稿的内容。"),
                     _page(same, "关于开展调研的通知", "第二稿改写后的内容。")])
    outcomes = [o for (o,) in _rows(url, "SELECT outcome FROM fetch ORDER BY id")]
    assert outcomes == ["new", "unchanged", "changed"]
    versions = _rows(url, "SELECT number, reason FROM version ORDER BY number")
    assert versions == [(1, "new"), (2, "changed")]
    (count, current), = _rows(url, "SELECT d.version_count, v.number FROM document d "
                                   "JOIN version v ON v.id = d.current_version_id")
    assert (count, current) == (2, 2)
    events = [t for (t,) in _rows(url, "SELECT type FROM outbox_event ORDER BY id")]
    assert events.count("document.changed") == 1
