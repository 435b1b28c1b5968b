"""CLI commands that pull archived texts out: docs list/show/history, export."""

from __future__ import annotations

import datetime as dt
import json as jsonlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scheduler import render
from scheduler.cli_context import fail

docs_app = typer.Typer(help="List, show and trace archived documents.", no_args_is_help=True)

SourceOpt = Annotated[str | None, typer.Option(help="Only this source.")]
SinceOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or after (YYYY-MM-DD).")]
UntilOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or before.")]
QueryOpt = Annotated[str | None, typer.Option(help="Text the title or body contains (either script).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output.")]


def _filter(source: str | None, since: dt.datetime | None, until: dt.datetime | None, query: str | None,
            limit: int | None = None):  # noqa: ANN202
    from archive.queries import DocumentFilter

    return DocumentFilter(source=source, since=since.date() if since else None,
                          until=until.date() if until else None, query=query, limit=limit)


def _listing(doc: Any, version: Any) -> dict[str, Any]:
    from archive.queries import version_record

    record = version_record(doc, version, with_text=False)
    record["chars"] = len(version.text)
    return record


@docs_app.command("list")
def docs_list(ctx: typer.Context, source: SourceOpt = None, since: SinceOpt = None, until: UntilOpt = None,
              query: QueryOpt = None, limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
              json: JsonOpt = False) -> None:
    """List archived documents (current versions), newest publication first."""
    from archive.queries import list_documents

    with ctx.obj.database().unit_of_work() as session:
        records = [_listing(d, v) for d, v in list_documents(session, _filter(source, since, until, query, limit))]
    if json:
        render.print_json_lines(records)
    else:
        render.console.print(render.documents_table(records))


def _resolve(session: Any, ref: str) -> Any:
    from archive.queries import find_document

    doc = find_document(session, ref)
    if doc is None:
        fail(f"no document {ref!r}", code=1)
    return doc


@docs_app.command("show")
def docs_show(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Document id or URL.")],
              version: Annotated[int | None, typer.Option(help="Version number (default: current).")] = None,
              json: JsonOpt = False) -> None:
    """Print one document's text and metadata."""
    from archive.queries import get_version, version_record

    with ctx.obj.database().unit_of_work() as session:
        doc = _resolve(session, ref)
        v = get_version(session, doc, version)
        if v is None:
            fail(f"document {doc.id} has no version {version}", code=1)
        record = version_record(doc, v)
    if json:
        render.print_json(record)
        return
    record["version"] = f"{record['version']} of {record['versions']} ({record['reason']})"
    render.print_document(record, ("url", "source", "published", "publisher", "author", "editor", "version"))


@docs_app.command("history")
def docs_history(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Document id or URL.")],
                 json: JsonOpt = False) -> None:
    """List every version of a document: when it was seen and why it exists."""
    from archive.queries import history, version_record

    with ctx.obj.database().unit_of_work() as session:
        doc = _resolve(session, ref)
        versions = [version_record(doc, v, with_text=False) | {"chars": len(v.text)} for v in history(session, doc)]
        url = doc.url
    if json:
        render.print_json_lines(versions)
    else:
        render.console.print(render.history_table(url, versions))


def export_command(ctx: typer.Context,
                   format: Annotated[str, typer.Option("--format", help="Output format: jsonl.")] = "jsonl",
                   output: Annotated[Path | None, typer.Option("-o", "--output", help="File (default stdout).")] = None,
                   source: SourceOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                   query: QueryOpt = None) -> None:
    """Export current versions with text, streaming (memory stays flat)."""
    from archive.queries import iter_documents, version_record

    if format != "jsonl":
        fail(f"unsupported format {format!r} (supported: jsonl)")
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        with ctx.obj.database().unit_of_work() as session:
            for doc, version in iter_documents(session, _filter(source, since, until, query)):
                out.write(jsonlib.dumps(version_record(doc, version), ensure_ascii=False) + "\n")
                count += 1
    finally:
        if output:
            out.close()
    if output:
        render.err_console.print(f"exported {count} documents to {output}")
