"""CLI commands that pull archived texts out: docs list/show/history, export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from scheduler import render
from scheduler.cli_context import fail

docs_app = typer.Typer(help="List, show and trace archived documents.", no_args_is_help=True)

SourceOpt = Annotated[str | None, typer.Option(help="Only this source.")]
SinceOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or after (YYYY-MM-DD).")]
UntilOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or before.")]
QueryOpt = Annotated[str | None, typer.Option(
    help="Words the title or body contains, as `search` finds them (every term, either script).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output.")]


def _filter(source: str | None, since: dt.datetime | None, until: dt.datetime | None, query: str | None,
            limit: int | None = None):  # noqa: ANN202
    from archive.queries import DocumentFilter

    return DocumentFilter(source=source, since=since.date() if since else None,
                          until=until.date() if until else None, query=query, limit=limit)


def _wanted(source: str | None, since: dt.datetime | None, until: dt.datetime | None, query: str | None = None) -> str:
    return render.filters_text(source, since.date() if since else None, until.date() if until else None, query)


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

    with ctx.obj.database().reading() as session, _pull_errors():
        records = [_listing(d, v) for d, v in list_documents(session, _filter(source, since, until, query, limit))]
    if json:
        render.print_json_lines(records)
    elif not records:
        wanted = _wanted(source, since, until, query)
        render.print_empty(f"no documents match: {wanted}" if wanted else "no documents archived yet")
    else:
        render.console.print(render.documents_table(records))


def _resolve(session: Any, ref: str) -> Any:
    from archive.queries import find_document

    doc = find_document(session, ref)
    if doc is None:
        fail(f"no document {ref!r}", code=1)
    return doc


AsOfOpt = Annotated[dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"],
                                                     help="As it stood at the end of that day (UTC).")]


def _archive(ctx: typer.Context) -> Any:
    from archive import Archive

    return Archive(ctx.obj.database())


@contextmanager
def _pull_errors() -> Iterator[None]:
    """Bad input to a pull (unknown source or version, unsearchable query, unusable export path) → exit 2."""
    from archive.export import ExportError
    from archive.pulls import PullError
    from archive.search import SearchError

    try:
        yield
    except (PullError, SearchError, ExportError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the export: {exc} (nothing was left behind)")


@docs_app.command("show")
def docs_show(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Document id or URL.")],
              version: Annotated[int | None, typer.Option(help="Version number (default: current).")] = None,
              as_of: AsOfOpt = None, json: JsonOpt = False) -> None:
    """Print one document's text and metadata (current, a numbered version, or as of a date)."""
    from archive.pulls import document_record

    with ctx.obj.database().reading() as session, _pull_errors():
        doc = _resolve(session, ref)
        record = document_record(session, doc, version, as_of.date() if as_of else None)
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
    elif not versions:  # the write path stores a document with its first version: only a damaged archive gets here
        render.print_empty(f"document {ref} has no archived versions")
    else:
        render.console.print(render.history_table(url, versions))


def export_command(ctx: typer.Context,
                   format: Annotated[str, typer.Option("--format", help="jsonl, csv, parquet or txt.")] = "jsonl",
                   output: Annotated[Path | None, typer.Option("-o", "--output",
                                                               help="New file (txt: new folder); default stdout.")] = None,
                   source: SourceOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                   query: QueryOpt = None, as_of: AsOfOpt = None,
                   canonical_only: Annotated[bool, typer.Option(help="Only each cluster's canonical member.")] = False,
                   cluster: Annotated[int | None, typer.Option(help="Only this cluster's members.")] = None) -> None:
    """Export documents with text, streaming (memory stays flat); nothing is left behind if it fails."""
    from archive.export import check_target

    with _pull_errors():
        check_target(output, format)
        archive = _archive(ctx)
        count = archive.export(output, format, source=source, since=since.date() if since else None,
                               until=until.date() if until else None, query=query,
                               as_of=as_of.date() if as_of else None, canonical_only=canonical_only, cluster=cluster)
    if output:
        render.err_console.print(f"exported {count} documents to {output}")


@docs_app.command("diff")
def docs_diff(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Document id or URL.")],
              from_: Annotated[int | None, typer.Option("--from", help="Old version (default: previous).")] = None,
              to: Annotated[int | None, typer.Option("--to", help="New version (default: current).")] = None,
              context: Annotated[int, typer.Option(help="Unchanged characters shown around changes.")] = 40,
              json: JsonOpt = False) -> None:
    """Show what changed between two versions, character by character."""
    with _pull_errors():
        diff = _archive(ctx).diff(ref, from_, to)
    if json:
        render.print_json(diff)
        return
    if diff["from"] == diff["to"]:
        render.console.print(f"{diff['url']} has only version {diff['to']}: nothing to compare", highlight=False)
        return
    render.console.print(f"[bold]{diff['url']}[/bold]  version {diff['from']} ({diff['from_reason']}, "
                         f"{diff['from_seen'][:10]}) → {diff['to']} ({diff['to_reason']}, {diff['to_seen'][:10]}): "
                         f"[green]+{diff['inserted']}[/green] [red]-{diff['deleted']}[/red] characters",
                         highlight=False)
    render.console.print(_diff_text(diff["ops"], context))


def _diff_text(ops: list[dict[str, str]], context: int) -> Any:
    from rich.text import Text

    out = Text()
    for i, op in enumerate(ops):
        chunk = op["text"]
        if op["op"] == "equal":
            head = chunk[:context] if i else ""
            tail = chunk[-context:] if i < len(ops) - 1 else ""
            out.append(chunk if len(chunk) <= 2 * context + 1 else f"{head} … {tail}", style="dim")
        elif render.console.is_terminal:
            out.append(chunk, style="bold green" if op["op"] == "insert" else "bold red strike")
        else:  # no colour in a pipe or a file: word-diff markers instead
            out.append(f"{{+{chunk}+}}" if op["op"] == "insert" else f"[-{chunk}-]")
    return out


@docs_app.command("similar")
def docs_similar(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Document id or URL.")],
                 limit: Annotated[int, typer.Option(help="At most this many.")] = 20, json: JsonOpt = False) -> None:
    """Near-duplicates of a document (reposts, other scripts, compilation pieces), most similar first."""
    with _pull_errors():
        records = _archive(ctx).similar(ref, limit)
    if json:
        render.print_json_lines(records)
        return
    if not records:
        from archive.clusters import THRESHOLD

        render.print_empty(f"no near-duplicates of document {ref} (nothing else in its cluster or its LSH buckets; "
                           f"documents cluster at similarity >= {THRESHOLD})")
        return
    from rich.table import Table

    table = Table(title=f"Similar to {ref}")
    for col in ("ID", "Similarity", "Cluster", "Source", "Published", "Title"):
        table.add_column(col)
    for r in records:
        mark = " (canonical)" if r["canonical"] else ""
        table.add_row(str(r["id"]), f"{r['similarity']:.2f}", f"{r['cluster']}{mark}" if r["same_cluster"] else "—",
                      r["source"], (r["published"] or "—")[:10], r["title"] or "—")
    render.console.print(table)


clusters_app = typer.Typer(help="Near-duplicate clusters.", no_args_is_help=True)


@clusters_app.command("list")
def clusters_list(ctx: typer.Context, min_size: Annotated[int, typer.Option(help="Smallest cluster shown.")] = 2,
                  limit: Annotated[int, typer.Option(help="At most this many.")] = 50, json: JsonOpt = False) -> None:
    """Clusters of near-duplicate documents, largest first, with their canonical member."""
    records = _archive(ctx).clusters(min_size, limit)
    if json:
        render.print_json_lines(records)
        return
    if not records:
        render.print_empty(f"no clusters with {min_size} or more members yet" if min_size > 1 else "no clusters yet")
        return
    from rich.table import Table

    table = Table(title="Clusters")
    for col in ("Cluster", "Size", "Canonical", "Published", "Sources", "Title"):
        table.add_column(col)
    for r in records:
        c = r["canonical"] or {}
        table.add_row(str(r["cluster"]), str(r["size"]), str(c.get("id", "—")), (c.get("published") or "—")[:10],
                      ", ".join(r["sources"]), c.get("title") or "—")
    render.console.print(table)


def search_command(ctx: typer.Context, query: Annotated[str, typer.Argument(help="Words to find (either script).")],
                   source: SourceOpt = None, since: SinceOpt = None, until: UntilOpt = None,
                   limit: Annotated[int, typer.Option(help="At most this many.")] = 20, json: JsonOpt = False) -> None:
    """Full-text search in Chinese: every term must match; ranked, with highlighted snippets."""
    with _pull_errors():
        hits = _archive(ctx).search(query, source=source, since=since.date() if since else None,
                                    until=until.date() if until else None, limit=limit)
    if json:
        render.print_json_lines(hits)
        return
    if not hits:
        wanted = _wanted(source, since, until)
        render.print_empty(f"no documents match {query!r}" + (f" ({wanted})" if wanted else ""))
    from rich.text import Text

    for hit in hits:
        render.console.print(f"[cyan]{hit['id']}[/cyan] [bold]{hit['title'] or '(untitled)'}[/bold] "
                             f"[dim]{hit['source']} {(hit['published'] or '')[:10]} score {hit['score']:.4g}[/dim]",
                             highlight=False)
        line = Text(hit["snippet"])
        for start, end in hit["highlights"]:
            line.stylize("bold yellow", start, end)
        render.console.print(line)
    render.err_console.print(f"{len(hits)} results")
