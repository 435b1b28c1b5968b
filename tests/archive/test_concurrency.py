"""Two writer processes on one SQLite file lose nothing (WAL + busy timeout + BEGIN IMMEDIATE)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from sqlalchemy import func, select, text

from archive.db import Database
from archive.models import Document, Sketch, Version

N = 60


def _writer(url: str, who: int) -> None:
    from tests.archive.helpers import put

    db = Database(url)
    for i in range(N):
        put(db, f"http://x.cn/{who}/{i}.html", f"第{who}号写入者的第{i}篇文章，内容各不相同。{who * 1000 + i}")
        put(db, f"http://x.cn/shared/{i}.html", f"两个写入者都写的第{i}篇文章。")
    db.dispose()


def test_two_writer_processes_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    Database(url).dispose()  # migrate once up front
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, w)) for w in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    db = Database(url)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 3 * N
        assert s.scalar(select(func.count()).select_from(Version)) == 3 * N  # shared URLs: one version each
        assert s.scalar(select(func.count()).select_from(Sketch)) == 3 * N
        assert s.execute(text("SELECT count(*) FROM search_fts")).scalar() == 3 * N
    db.dispose()
