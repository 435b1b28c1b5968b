"""`policy-archive reprocess`: re-extract archived documents from the WARCs, without fetching."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from scheduler import render


def reprocess_command(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    since: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                      help="Only fetches made on or after (YYYY-MM-DD, UTC).")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Re-run extraction on stored raw responses; new versions (reason 'reextract') only where the text changes."""
    from archive.db import data_home
    from crawler.reprocess import reprocess

    encodings = {name: s.encoding for name, s in ctx.obj.sources().items() if s.encoding} if ctx.obj.sources_path.exists() else {}
    report = reprocess(ctx.obj.database(), data_home() / "warc", source, since, encodings)
    record = {"checked": report.checked, "changed": report.changed, "unchanged": report.unchanged,
              "failed": report.failed, "changed_urls": report.changed_urls, "problems": report.problems}
    if json:
        render.print_json(record)
        return
    render.console.print(f"re-extracted {report.checked} documents: {report.changed} changed, "
                         f"{report.unchanged} unchanged, {report.failed} failed")
    for url in report.changed_urls:
        render.console.print(f"  changed: {url}", highlight=False)
    for problem in report.problems:
        render.err_console.print(f"  failed: {problem}", highlight=False)
