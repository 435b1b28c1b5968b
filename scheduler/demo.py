"""`make demo`: the real scheduler crawling the bundled replica site, then a table of what was archived."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from archive.db import Database
from archive.queries import DocumentFilter, list_documents, version_record
from crawler.sources import Source
from scheduler import render
from scheduler.daemon import Daemon


def _edit_one_article(site: Any) -> str:
    """Between cycles the replica publishes a correction, so the second cycle shows a new version."""
    article = site.articles[0]
    note = "（本文于发布后作了更正：第二段数据已根据最新统计口径调整。）"
    site.update_article(article.id, paragraphs=[*article.paragraphs, note])
    return article.title


def run_demo(db: Database, source: Source, sources_path: Path, *, port: int = 8765, cycles: int = 2) -> None:
    from replica.site import ReplicaSite

    site = ReplicaSite(port=port)
    site.start()
    render.console.print(f"replica site serving {len(site.articles)} articles at {site.base_url}")
    done = threading.Event()
    count = 0

    def on_run(record: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        render.console.print(render.runs_table([record]))
        if count == 1 and cycles > 1:
            title = _edit_one_article(site)
            render.console.print(f"replica: edited 「{title}」 — the next scheduled cycle should archive 1 new version")
        if count >= cycles:
            done.set()

    interval = source.parsed_schedule.interval_seconds
    render.console.print(f"scheduler: source 'demo' every {interval}s, {cycles} cycles (Ctrl-C to stop early)")
    try:
        Daemon(db, sources_path, [source], jitter=0, trigger_name="demo", on_run=on_run).run(stop_after_runs=cycles)
    finally:
        site.stop()
    with db.unit_of_work() as session:
        records = [version_record(d, v, with_text=False) | {"chars": len(v.text)}
                   for d, v in list_documents(session, DocumentFilter(source=source.name))]
    render.console.print(render.documents_table(records, title=f"Archived from {source.title} ({db.url})"))
    render.console.print("Try: policy-archive docs show 1 · policy-archive docs history 1 · policy-archive runs")
