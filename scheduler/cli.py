"""The `policy-archive` command line: thin commands around library calls."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from archive.db import default_url
from crawler.sources import default_sources_path
from scheduler import render
from scheduler.cli_context import Context, fail
from scheduler.cli_docs import clusters_app, docs_app, export_command, search_command
from scheduler.cli_monitor import reload_command, status_command
from scheduler.cli_reprocess import reprocess_command
from scheduler.cli_text import boilerplate_app, clean_command, extract_command
from scheduler.cli_watch import watch_app

app = typer.Typer(help="Crawl, clean and archive Chinese policy publications.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
sources_app = typer.Typer(help="Inspect the sources file.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(docs_app, name="docs")
app.command("export")(export_command)
app.command("extract")(extract_command)
app.add_typer(clusters_app, name="clusters")
app.command("search")(search_command)
app.command("reprocess")(reprocess_command)
app.command("clean")(clean_command)
app.add_typer(boilerplate_app, name="boilerplate")
app.command("status")(status_command)
app.command("reload")(reload_command)
app.add_typer(watch_app, name="watch")


# True when this process is the command itself (scheduler/__main__.py), not a test or another program calling the app.
STANDALONE = False


def exit_now() -> None:
    """End a command that has done everything: output flushed, no interpreter teardown of the modules it loaded (after
    a crawl, SQLAlchemy, the store and the extraction stack: some 50 ms of a re-crawl's wall time). Only standalone."""
    if not STANDALONE:
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def imports_done() -> None:
    """Switch the cyclic collector back on when `python -m scheduler` deferred it (see scheduler/__main__.py), with
    everything loaded so far (modules, classes, the app) frozen out of its reach: it lives as long as the process."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(envvar="POLICY_ARCHIVE_DB", help="Database URL.")] = None,
    sources: Annotated[Path | None, typer.Option(envvar="POLICY_ARCHIVE_SOURCES", help="Sources file.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = Context(db or default_url(), sources or default_sources_path())
    if ctx.invoked_subcommand != "crawl":  # crawl turns it on once its own imports are done
        imports_done()


@app.command()
def init(ctx: typer.Context) -> None:
    """Create or migrate the database and register the configured sources."""
    from archive.store import ensure_source

    c: Context = ctx.obj
    database = c.database()
    with database.unit_of_work() as session:
        for source in c.sources().values():
            ensure_source(session, source.name, source.title)
    render.console.print(f"database ready: {database.url}")


@sources_app.command("list")
def sources_list(ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the configured sources and their schedules."""
    sources = list(ctx.obj.sources().values())
    if json:
        render.print_json_lines({"name": s.name, "title": s.title, "schedule": s.schedule, "enabled": s.enabled,
                                 "start_urls": list(s.start_urls), "feeds": list(s.feeds),
                                 "sitemaps": list(s.sitemaps)} for s in sources)
    elif not sources:
        render.print_empty(f"no sources in {ctx.obj.sources_path}")
    else:
        render.console.print(render.sources_table(sources))


@app.command()
def crawl(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Source name from the sources file.")],
    max_pages: Annotated[int, typer.Option(help="Stop after this many articles (0 = no limit).")] = 0,
    time_limit: Annotated[int | None, typer.Option(help="Wall-clock limit in seconds.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
    backfill: Annotated[bool, typer.Option(help="Walk every listing page (up to the source's backfill_depth).")] = False,
) -> None:
    """Crawl one source now and archive what changed."""
    from scheduler.jobs import CrawlRequest, run_crawl, start_crawler

    c: Context = ctx.obj
    src = c.source(source)
    wait = (time_limit or src.time_limit_seconds) + 60  # another crawl of this source ends within its limit
    request = CrawlRequest(src, c.sources_path, max_pages=max_pages, time_limit=time_limit, wait_busy=wait,
                           backfill=backfill)
    # the child starts loading Scrapy now, on the other CPU, while this process opens the database and claims the run
    crawler = start_crawler(request, c.db_url)
    try:
        database = c.database()
    except BaseException:
        crawler.discard()
        raise
    from scheduler.claims import SourceBusy

    imports_done()
    try:
        if json:
            render.print_json(run_crawl(database, request, crawler=crawler))
            exit_now()
            return
        with render.console.status(f"crawling {src.name}…") as status:
            def progress(counts: dict[str, int]) -> None:
                status.update(f"crawling {src.name}: {counts['pages']} fetched, {counts['new_documents']} new, "
                              f"{counts['new_versions'] - counts['new_documents']} changed, {counts['errors']} errors")

            record = run_crawl(database, request, progress, crawler)
    except SourceBusy as exc:
        fail(str(exc), 3)
    render.console.print(render.runs_table([record]))
    exit_now()


@app.command()
def runs(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="How many runs.")] = 20,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List past crawl runs, newest first."""
    from archive.queries import list_runs, run_record

    with ctx.obj.database().unit_of_work() as session:
        records = [run_record(r) for r in list_runs(session, source, limit)]
    if json:
        render.print_json_lines(records)
    elif not records:
        render.print_empty(f"no crawl runs of source {source!r} yet" if source else "no crawl runs yet")
    else:
        render.console.print(render.runs_table(records))


@app.command()
def run(
    ctx: typer.Context,
    source: Annotated[list[str] | None, typer.Option(help="Only these sources (default: all enabled).")] = None,
    max_concurrent: Annotated[int, typer.Option(help="Crawls running at once.")] = 2,
    stop_after_runs: Annotated[int | None, typer.Option(help="Exit after this many crawls.")] = None,
    duration: Annotated[float | None, typer.Option(help="Exit after this many seconds.")] = None,
    jitter: Annotated[int, typer.Option(help="Random delay (s) added to interval schedules.")] = 30,
    lease_ttl: Annotated[float, typer.Option(help="Seconds before a dead leader's lease can be taken over.")] = 30.0,
    notify_interval: Annotated[float, typer.Option(help="Seconds between delivery passes.")] = 5.0,
) -> None:
    """Run the scheduler: each source on its own schedule until Ctrl-C / SIGTERM."""
    from scheduler.daemon import Daemon
    from scheduler.watches import WatchError, load_watches, watches_path

    c: Context = ctx.obj
    sources = c.sources()
    chosen = [c.source(n) for n in source] if source else [s for s in sources.values() if s.enabled]
    if not chosen:
        fail("no enabled sources to schedule")
    try:
        load_watches(watches_path(c.sources_path))
    except WatchError as exc:
        fail(str(exc))
    daemon = Daemon(c.database(), c.sources_path, chosen, max_concurrent=max_concurrent, jitter=jitter,
                    lease_ttl=lease_ttl, notify_interval=notify_interval, only=tuple(source or ()),
                    watches_path=watches_path(c.sources_path),
                    on_run=lambda r: render.console.print(render.runs_table([r])))
    names = ", ".join(f"{s.name} ({s.schedule})" for s in chosen)
    render.console.print(f"scheduler started at {dt.datetime.now():%Y-%m-%d %H:%M:%S}: {names}")
    daemon.run(stop_after_runs=stop_after_runs, duration=duration)
    render.console.print("scheduler stopped")


@app.command()
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port of the local replica site (the demo source expects 8765).")] = 8765,
    cycles: Annotated[int, typer.Option(help="Scheduled crawl cycles to run.")] = 2,
) -> None:
    """Serve the bundled replica site, let the scheduler crawl it, and show what was archived."""
    from scheduler.demo import run_demo

    c: Context = ctx.obj
    try:
        run_demo(c.database(), c.source("demo"), c.sources_path, port=port, cycles=cycles)
    except RuntimeError as exc:
        fail(str(exc))
