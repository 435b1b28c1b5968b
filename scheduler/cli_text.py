"""CLI commands on texts: extract (stored HTML), clean (text on stdin), boilerplate learn/show."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scheduler import render
from scheduler.cli_context import fail

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output.")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Every input line, and the rule that removed or moved it.")]
boilerplate_app = typer.Typer(help="Lines learned as a source's boilerplate.", no_args_is_help=True)
_MARKS = {"keep": " ", "remove": "-", "meta": ">", "repair": "~"}


def _removed(removals: Any) -> list[dict[str, str]]:
    return [{"line": r.line, "kind": r.kind, "rule": r.rule} for r in removals]


def _extract_record(path: Path, url: str | None) -> dict[str, Any]:
    from corpus import extract_page

    extraction = extract_page(path.read_bytes(), url)
    meta = extraction.metadata
    return {"path": str(path), "url": url, "title": extraction.title, "text": extraction.text,
            "published": meta.published, "publisher": meta.publisher, "author": meta.author, "editor": meta.editor,
            "encoding": extraction.encoding, "reason": extraction.reason, "meta": dict(meta.extra),
            "pieces": [{"number": p.number, "title": p.title, "chars": len(p.text)} for p in extraction.pieces],
            "removed": _removed(extraction.removed), "_extracted": extraction.extracted}


def _print_explained(extracted: str, record: dict[str, Any]) -> None:
    """One row per input line: a mark (' ' kept, '-' removed, '>' moved to metadata, '~' repaired) and the rule."""
    from corpus.explain import explain
    from corpus.types import Removal

    removals = [Removal(**r) for r in record["removed"]]
    for decision in explain(extracted, removals, record["text"]):
        label = f"{decision.kind}:{decision.rule}" if decision.rule else ""
        render.console.print(f"{_MARKS[decision.action]} {label:<40} | {decision.line}", highlight=False,
                             markup=False, soft_wrap=True)
    fields = {k: record[k] for k in ("title", "published", "publisher", "author", "editor") if record.get(k)}
    for key, value in {**fields, **record.get("meta", {})}.items():
        render.console.print(f"# {key}: {value}", highlight=False, markup=False, soft_wrap=True)


def extract_command(path: Annotated[Path, typer.Argument(help="An HTML file, or a directory of *.html files.")],
                    url: Annotated[str | None, typer.Option(help="The page's URL (helps dates and links).")] = None,
                    json: JsonOpt = False, explain: ExplainOpt = False) -> None:
    """Run extraction and cleaning on stored HTML and print text + metadata."""
    if path.is_dir():
        pages = sorted(path.glob("*.html"))
        if not pages:  # stdout stays JSON lines (none): the note goes beside it
            render.err_console.print(f"no *.html files in {path}", highlight=False, markup=False)
        render.print_json_lines(_public(_extract_record(p, None)) for p in pages)
        return
    if not path.is_file():
        fail(f"{path}: no such file or directory")
    record = _extract_record(path, url)
    if explain:
        _print_explained(record["_extracted"], record)
    elif json:
        render.print_json(_public(record))
    else:
        render.print_document(record, ("published", "publisher", "author", "editor", "encoding", "reason"))


def clean_command(title: Annotated[str | None, typer.Option(help="The document's title (a repeat goes).")] = None,
                  json: JsonOpt = False, explain: ExplainOpt = False) -> None:
    """Clean plain text read from stdin (text extracted elsewhere): body on stdout, or JSON with what went."""
    from corpus import clean_text

    text = sys.stdin.read()
    cleaned = clean_text(text, title=title)
    meta = cleaned.metadata
    record = {"text": cleaned.text, "title": meta.title, "published": meta.published, "publisher": meta.publisher,
              "author": meta.author, "editor": meta.editor, "meta": dict(meta.extra),
              "removed": _removed(cleaned.removed)}
    if explain:
        _print_explained(text, record)
    elif json:
        render.print_json(record)
    else:
        sys.stdout.write(cleaned.text + ("\n" if cleaned.text else ""))


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


@boilerplate_app.command("learn")
def boilerplate_learn(ctx: typer.Context, source: Annotated[str, typer.Argument(help="Source name.")],
                      threshold: Annotated[float, typer.Option(help="Share of the source's pages a line must be on.")]
                      = 0.5,
                      min_pages: Annotated[int, typer.Option(help="Learn nothing from fewer pages.")] = 5,
                      json: JsonOpt = False) -> None:
    """Learn the lines that recur on the source's archived pages; new extractions (and reprocess) remove them."""
    from archive.boilerplate import learn_source

    if not 0 < threshold <= 1:
        fail("--threshold must be in (0, 1]")
    try:
        with ctx.obj.database().unit_of_work() as session:
            learned = learn_source(session, source, threshold=threshold, min_pages=min_pages)
    except LookupError as exc:
        fail(str(exc))
    needed = max(min_pages, 2)
    if learned.sample < needed:
        nothing = (f"{source}: nothing learned: {learned.sample} archived pages, fewer than {needed}"
                   + (" (--min-pages)" if min_pages == needed else ""))
    else:
        nothing = f"{source}: nothing learned: no line is on {threshold:.0%} of its {learned.sample} archived pages"
    _print_learned(learned, json, nothing + "; its learned set is now empty")


@boilerplate_app.command("show")
def boilerplate_show(ctx: typer.Context, source: Annotated[str, typer.Argument(help="Source name.")],
                     json: JsonOpt = False) -> None:
    """Show the learned boilerplate lines of a source and how many pages each was on."""
    from archive.boilerplate import show_learned

    try:
        with ctx.obj.database().unit_of_work() as session:
            learned = show_learned(session, source)
    except LookupError as exc:
        fail(str(exc))
    _print_learned(learned, json, f"{source}: no boilerplate lines learned (`policy-archive boilerplate learn {source}` "
                                  "learns them from its archived pages)")


def _print_learned(learned: Any, json: bool, nothing: str) -> None:
    """The learned lines, or the line `nothing` when there are none."""
    if json:
        render.print_json({"source": learned.source, "pages": learned.sample, "threshold": learned.threshold,
                           "lines": [{"line": line, "pages": pages} for line, pages in learned.lines]})
        return
    if not learned.lines:
        render.print_empty(nothing)
        return
    render.console.print(f"{learned.source}: {len(learned.lines)} learned lines from {learned.sample} pages "
                         f"(threshold {learned.threshold})", highlight=False)
    for line, pages in learned.lines:
        render.console.print(f"{pages:>5}  {line}", highlight=False, markup=False, soft_wrap=True)
