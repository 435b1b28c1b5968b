"""Rich tables and plain-JSON output for the CLI; the only module that formats for humans."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

# Piped output (make demo under CI, logs) would otherwise be cut to 80 columns, which folds every CJK title.
_WIDTH = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS") or 160)
console = Console(width=_WIDTH)
err_console = Console(stderr=True)


def print_json_lines(records: Iterable[dict[str, Any]]) -> None:
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def print_json(record: Any) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")


def print_empty(message: str) -> None:
    """What a listing with no rows prints instead of an empty table: one line saying what was looked for."""
    console.print(message, highlight=False, markup=False)


def filters_text(source: str | None = None, since: date | None = None, until: date | None = None,
                 query: str | None = None) -> str:
    """A documents pull's filters in words ('' when there are none), for the line an empty listing prints."""
    parts = [f"source {source!r}"] if source else []
    if since and until:
        parts.append(f"published {since} to {until}")
    elif since or until:
        parts.append(f"published on or {'after' if since else 'before'} {since or until}")
    if query:
        parts.append(f"text matching {query!r}")
    return ", ".join(parts)


def documents_table(records: list[dict[str, Any]], title: str = "Archived documents") -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("ID", justify="right", style="cyan")
    table.add_column("Title", overflow="fold", max_width=48)
    table.add_column("Published")
    table.add_column("Source")
    table.add_column("Publisher", overflow="fold", max_width=16)
    table.add_column("Chars", justify="right")
    table.add_column("Versions", justify="right")
    for r in records:
        table.add_row(str(r["id"]), r["title"] or "—", (r["published"] or "—")[:16].replace("T", " "), r["source"],
                      r["publisher"] or "—", str(r.get("chars", "")), str(r["versions"]))
    return table


def history_table(doc_url: str, versions: list[dict[str, Any]]) -> Table:
    table = Table(title=f"History of {doc_url}")
    for col in ("Version", "Reason", "First seen", "Last seen", "Chars", "Hash", "Title"):
        table.add_column(col)
    for v in versions:
        table.add_row(str(v["version"]), v["reason"], v["first_seen"][:19], v["last_seen"][:19], str(v["chars"]),
                      v["hash"][:12], v["title"] or "—")
    return table


def _seconds(record: dict[str, Any]) -> str:
    if not record["finished_at"]:
        return ""
    took = datetime.fromisoformat(record["finished_at"]) - datetime.fromisoformat(record["started_at"])
    return f"{took.total_seconds():.1f}"


def runs_table(runs: list[dict[str, Any]], title: str = "Crawl runs") -> Table:
    table = Table(title=title)
    for col in ("Run", "Source", "Trigger", "Status", "Started (UTC)", "Seconds", "Fetches", "New", "Changed",
                "Errors"):
        table.add_column(col, justify="right" if col in {"Run", "Seconds", "Fetches", "New", "Changed",
                                                         "Errors"} else "left")
    table.add_column("Message", overflow="fold", max_width=60)
    styles = {"ok": "green", "failed": "red", "timeout": "red", "aborted": "yellow", "running": "blue"}
    for r in runs:
        table.add_row(str(r["id"]), r["source"], r["trigger"], f"[{styles.get(r['status'], '')}]{r['status']}",
                      r["started_at"][:19].replace("T", " "), _seconds(r), str(r["pages"]), str(r["new_documents"]),
                      str(r["new_versions"] - r["new_documents"]), str(r["errors"]), r["message"] or "")
    return table


def sources_table(sources: list[Any]) -> Table:
    table = Table(title="Sources")
    for col in ("Name", "Title", "Schedule", "Enabled", "Start URLs", "Feeds", "Sitemaps"):
        table.add_column(col, overflow="fold")
    for s in sources:
        table.add_row(s.name, s.title, s.schedule, "yes" if s.enabled else "no", "\n".join(s.start_urls),
                      "\n".join(s.feeds), "\n".join(s.sitemaps))
    return table


def print_document(record: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Title, the named metadata fields that have values, extra metadata, then the text as is (no markup)."""
    console.print(f"[bold]{record['title'] or '(untitled)'}[/bold]", highlight=False)
    for key in keys:
        if record.get(key):
            console.print(f"[dim]{key}:[/dim] {record[key]}", highlight=False)
    for key, value in (record.get("meta") or {}).items():
        console.print(f"[dim]{key}:[/dim] {value}", highlight=False)
    console.print()
    console.print(record["text"], highlight=False, markup=False)
