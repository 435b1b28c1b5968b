"""`make demo`: the real scheduler crawling the bundled replica site, then a table of what was archived."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.db import Database
from archive.queries import DocumentFilter, find_document, history, list_documents, version_record
from crawler.sources import Source
from scheduler import render
from scheduler.daemon import Daemon


def _edit_one_article(site: Any) -> Any:
    """Between cycles the replica publishes a correction, so the second cycle shows a new version."""
    article = site.articles[0]
    note = "（本文于发布后作了更正：第二段数据已根据最新统计口径调整。）"
    site.update_article(article.id, paragraphs=[*article.paragraphs, note])
    return article


def run_demo(db: Database, source: Source, sources_path: Path, *, port: int = 8765, cycles: int = 2) -> None:
    from replica.site import ReplicaSite

    site = ReplicaSite(port=port)
    try:
        site.start()
    except OSError as exc:
        raise RuntimeError(f"cannot serve the replica site on 127.0.0.1:{port}: {exc} (is another demo running?)") from exc
    render.console.print(f"replica site serving {len(site.articles)} articles at {site.base_url}")
    count = 0
    edited: list[str] = []

    def on_run(record: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        render.console.print(render.runs_table([record]))
        if count == 1 and cycles > 1:
            article = _edit_one_article(site)
            edited.append(site.base_url + article.path)
            render.console.print(f"replica: edited 「{article.title}」 — the next cycle should archive 1 new version")

    interval = source.parsed_schedule.interval_seconds
    render.console.print(f"scheduler: source 'demo' every {interval}s, {cycles} cycles (Ctrl-C to stop early)")
    try:
        Daemon(db, sources_path, [source], jitter=0, trigger_name="demo", start_now=True, on_run=on_run).run(stop_after_runs=cycles)
    finally:
        site.stop()
    with db.unit_of_work() as session:
        records = [version_record(d, v, with_text=False) | {"chars": len(v.text)}
                   for d, v in list_documents(session, DocumentFilter(source=source.name))]
    render.console.print(render.documents_table(records, title=f"Archived from {source.title} ({db.url})"))
    if edited:
        with db.unit_of_work() as session:
            doc = find_document(session, edited[0])
            versions = [version_record(doc, v, with_text=False) | {"chars": len(v.text)} for v in history(session, doc)]
            doc_id = doc.id
        render.console.print(render.history_table(edited[0], versions))
        render.console.print(f"Try: .venv/bin/policy-archive docs show {doc_id} · docs history {doc_id} · runs · "
                             "export --format jsonl -o archive.jsonl")
