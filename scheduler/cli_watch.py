"""`policy-archive watch add|list|remove|test`: subscriptions kept in watches.toml beside the sources file."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from scheduler import render
from scheduler.cli_context import Context, fail

if TYPE_CHECKING:  # scheduler.watches loads the text normaliser (and with it all of corpus): only when used
    from scheduler.watches import Watch

watch_app = typer.Typer(help="Subscriptions: which events go to which channels.", no_args_is_help=True)


def _load(c: Context) -> dict[str, Watch]:
    from scheduler.watches import WatchError, load_watches, watches_path

    try:
        return load_watches(watches_path(c.sources_path))
    except WatchError as exc:
        fail(str(exc))


@watch_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Watch name.")],
    source: Annotated[list[str] | None, typer.Option(help="Only these sources (repeatable).")] = None,
    keyword: Annotated[list[str] | None, typer.Option(help="Any of these keywords (repeatable).")] = None,
    events: Annotated[str, typer.Option(help="Comma list of new,changed,removed,failing,recovered.")]
    = "new,changed,removed",
    webhook: Annotated[str | None, typer.Option(help="POST JSON here (signed if POLICY_ARCHIVE_WEBHOOK_SECRET).")]
    = None,
    email: Annotated[str | None, typer.Option(help="Mail to this address via POLICY_ARCHIVE_SMTP_URL.")] = None,
    digest: Annotated[bool, typer.Option("--digest", help="Email a daily digest instead of one mail per event.")]
    = False,
    atom: Annotated[str | None, typer.Option(help="Write an Atom feed file here.")] = None,
    console: Annotated[bool, typer.Option("--console", help="Print events on the daemon's output.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a watch of the same name.")] = False,
) -> None:
    """Add a watch (or replace one with --replace)."""
    from scheduler.watches import WatchError, build_watch, save_watches, watches_path

    c: Context = ctx.obj
    watches = _load(c)
    if name in watches and not replace:
        fail(f"watch {name!r} exists (use --replace)")
    known = c.sources()
    for s in source or []:
        if s not in known:
            fail(f"unknown source {s!r} (known: {', '.join(sorted(known))})")
    entry: dict = {"name": name, "sources": source or [], "keywords": keyword or [], "events": events.split(","),
                   "console": console}
    entry |= {k: v for k, v in {"webhook": webhook, "email": email, "atom": atom}.items() if v}
    if digest:
        entry["email_mode"] = "digest"
    try:
        watch = build_watch({k: v for k, v in entry.items() if v != []})
    except WatchError as exc:
        fail(str(exc))
    watches[name] = watch
    save_watches(watches_path(c.sources_path), watches)
    render.console.print(f"watch {name!r} saved to {watches_path(c.sources_path)}")


@watch_app.command("list")
def list_(ctx: typer.Context, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the watches."""
    from scheduler.render_monitor import watches_table
    from scheduler.watches import watches_path

    watches = list(_load(ctx.obj).values())
    if json:
        render.print_json_lines({"name": w.name, "sources": list(w.sources), "keywords": list(w.keywords),
                                 "events": list(w.events), "channels": [{"channel": c, "target": t}
                                                                        for c, t in w.channels()]}
                                for w in watches)
    elif not watches:
        render.print_empty(f"no watches in {watches_path(ctx.obj.sources_path)} (add one with `policy-archive watch add`)")
    else:
        render.console.print(watches_table(watches))


@watch_app.command("remove")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Remove a watch (its pending deliveries are still sent)."""
    from scheduler.watches import save_watches, watches_path

    c: Context = ctx.obj
    watches = _load(c)
    if watches.pop(name, None) is None:
        fail(f"no watch {name!r}")
    save_watches(watches_path(c.sources_path), watches)
    render.console.print(f"watch {name!r} removed")


@watch_app.command("test")
def test(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Send a test event to every channel of a watch now; exits 1 if any channel fails."""
    from scheduler.notify.channels import send_test

    c: Context = ctx.obj
    watch = _load(c).get(name)
    if watch is None:
        fail(f"no watch {name!r}")
    message = {"event": "watch.test", "id": f"test-{uuid.uuid4().hex}", "url": None, "title": f"test of {name}",
               "published": None, "publisher": None, "source": None, "watch": name,
               "snippet": "policy-archive watch test", "created_at": dt.datetime.now(dt.UTC).isoformat()}
    failed = False
    for channel, target, error in send_test(watch, message):
        failed |= error is not None
        render.console.print(f"{channel} {target}: " + (f"[red]failed[/red] {error}" if error else "[green]ok[/green]"),
                             highlight=False)
    if failed:
        raise typer.Exit(1)
