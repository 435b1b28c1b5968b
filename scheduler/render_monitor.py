"""Tables for status, watches and deliveries."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from scheduler.watches import EVENT_NAMES, Watch


def _short(iso: str | None) -> str:
    return iso[:19].replace("T", " ") if iso else "—"


def status_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Sources")
    for col in ("Source", "Schedule", "Next run (UTC)", "Last run (UTC)", "Status", "Seconds", "Fetches", "New",
                "New versions", "Errors", "Failures in a row", "Documents"):
        table.add_column(col)
    for r in rows:
        last = r["last_run"] or {}
        failures = r["consecutive_failures"]
        table.add_row(r["source"], r["schedule"] + ("" if r["enabled"] else " (disabled)"), _short(r["next_run"]),
                      _short(last.get("started_at")), last.get("status", "never"), str(last.get("seconds", "")),
                      str(last.get("pages", "")), str(last.get("new_documents", "")),
                      str(last.get("new_versions", "")), str(last.get("errors", "")),
                      f"[red]{failures}[/red]" if failures else "0", str(r["documents"]))
    return table


def daemon_line(d: dict[str, Any]) -> str:
    if d["running"]:
        head = f"daemon: [green]running[/green] since {_short(d['since'])} UTC, lease held by {d['lease_holder']}"
    elif d["lease_holder"]:
        head = f"daemon: [yellow]not running[/yellow] (last lease holder {d['lease_holder']}, " \
               f"expired {_short(d['lease_expires'])} UTC)"
    else:
        head = "daemon: [yellow]never started[/yellow]"
    return (f"{head}; events waiting {d['events_undispatched']}, deliveries pending {d['deliveries_pending']}, "
            f"failed {d['deliveries_failed']}")


def watches_table(watches: list[Watch]) -> Table:
    table = Table(title="Watches")
    for col in ("Name", "Sources", "Keywords", "Events", "Channels"):
        table.add_column(col, overflow="fold")
    short = {v: k for k, v in EVENT_NAMES.items()}
    for w in watches:
        table.add_row(w.name, ", ".join(w.sources) or "all", ", ".join(w.keywords) or "any",
                      ",".join(short[e] for e in w.events), "\n".join(f"{c}: {t}" for c, t in w.channels()))
    return table
