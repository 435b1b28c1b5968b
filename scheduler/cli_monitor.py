"""`policy-archive status` and `policy-archive reload`."""

from __future__ import annotations

from typing import Annotated

import typer

from scheduler import render
from scheduler.cli_context import Context, fail


def status_command(ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Per source: schedule, next run, last run, failures in a row, documents; and the daemon's health."""
    from scheduler.render_monitor import daemon_line, status_table
    from scheduler.status import daemon_status, source_status

    c: Context = ctx.obj
    sources = list(c.sources().values())
    with c.database().unit_of_work() as session:
        report = {"daemon": daemon_status(session), "sources": source_status(session, sources)}
    if json:
        render.print_json(report)
        return
    render.console.print(daemon_line(report["daemon"]))
    if report["sources"]:
        render.console.print(status_table(report["sources"]))
    else:
        render.print_empty(f"no sources in {c.sources_path}")


def reload_command(ctx: typer.Context) -> None:
    """Ask the running scheduler to re-read the sources file (it checks within a lease period)."""
    from scheduler.claims import request_reload

    c: Context = ctx.obj
    c.sources()  # a broken file fails here, before the daemon is bothered
    with c.database().unit_of_work() as session:
        if not request_reload(session):
            fail("no scheduler is running on this database (start one with `policy-archive run`)", 1)
    render.console.print("reload requested: the scheduler re-reads the sources file within its lease period")
