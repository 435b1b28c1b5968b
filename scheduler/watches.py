"""Watches: named subscriptions (sources, keywords, event types → channels) kept in a TOML file beside sources."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from corpus.normalize import normalize_text

EVENT_NAMES = {"new": "document.new", "changed": "document.changed", "removed": "document.removed",
               "failing": "source.failing", "recovered": "source.recovered"}
DEFAULT_EVENTS = ("document.new", "document.changed", "document.removed")
CHANNELS = ("webhook", "email", "atom", "console")
FIELDS = {"name", "sources", "keywords", "events", "email_mode", *CHANNELS}
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


class WatchError(ValueError):
    """A watch or the watches file is invalid; the message names the watch and the field."""


@dataclass(frozen=True)
class Watch:
    name: str
    sources: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    events: tuple[str, ...] = DEFAULT_EVENTS
    webhook: str | None = None
    email: str | None = None
    email_mode: str = "event"  # event | digest
    atom: str | None = None
    console: bool = False
    _needles: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def channels(self) -> list[tuple[str, str]]:
        """(channel, target) pairs; email in digest mode is the 'digest' channel."""
        found = []
        if self.webhook:
            found.append(("webhook", self.webhook))
        if self.email:
            found.append(("digest" if self.email_mode == "digest" else "email", self.email))
        if self.atom:
            found.append(("atom", self.atom))
        if self.console:
            found.append(("console", "stdout"))
        return found

    def matches(self, event_type: str, source: str, text_norm: str = "") -> bool:
        """Keywords match the normalised text, so 黨建 on a traditional page matches the keyword 党建."""
        if event_type not in self.events or (self.sources and source not in self.sources):
            return False
        if self._needles and event_type.startswith("document."):
            return any(n in text_norm for n in self._needles)
        return True

    def to_toml(self) -> str:
        lines = ["[[watch]]", f"name = {json.dumps(self.name)}"]
        for key in ("sources", "keywords"):
            if getattr(self, key):
                lines.append(f"{key} = {json.dumps(list(getattr(self, key)), ensure_ascii=False)}")
        short = [k for k, v in EVENT_NAMES.items() if v in self.events]
        lines.append(f"events = {json.dumps(short)}")
        for key in ("webhook", "email", "atom"):
            if getattr(self, key):
                lines.append(f"{key} = {json.dumps(getattr(self, key), ensure_ascii=False)}")
        if self.email_mode != "event":
            lines.append(f"email_mode = {json.dumps(self.email_mode)}")
        if self.console:
            lines.append("console = true")
        return "\n".join(lines) + "\n"


def parse_events(spec: str | list[str]) -> tuple[str, ...]:
    names = spec.split(",") if isinstance(spec, str) else spec
    out = []
    for raw in (n.strip() for n in names):
        full = EVENT_NAMES.get(raw, raw)
        if full not in EVENT_NAMES.values():
            raise WatchError(f"unknown event {raw!r} (known: {', '.join(EVENT_NAMES)})")
        out.append(full)
    if not out:
        raise WatchError("events: give at least one of " + ", ".join(EVENT_NAMES))
    return tuple(dict.fromkeys(out))


def _str_list(label: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise WatchError(f"{label}: field {key!r}: must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def build_watch(entry: dict, label: str = "watch") -> Watch:
    if isinstance(entry.get("name"), str):
        label = f"watch {entry['name']!r}"
    unknown = sorted(set(entry) - FIELDS)
    if unknown:
        raise WatchError(f"{label}: unknown field or channel {unknown[0]!r} (channels: {', '.join(CHANNELS)})")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise WatchError(f"{label}: field 'name': missing or not [A-Za-z0-9_.-]+")
    values: dict = {"name": name}
    for key in ("sources", "keywords"):
        if key in entry:
            values[key] = _str_list(label, key, entry[key])
    if "events" in entry:
        try:
            values["events"] = parse_events(_str_list(label, "events", entry["events"]))
        except WatchError as exc:
            raise WatchError(f"{label}: field 'events': {exc}") from None
    for key in ("webhook", "email", "atom", "email_mode"):
        if key in entry:
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise WatchError(f"{label}: field {key!r}: must be a non-empty string")
            values[key] = entry[key].strip()
    if values.get("webhook") and not re.match(r"^https?://", values["webhook"]):
        raise WatchError(f"{label}: field 'webhook': {values['webhook']!r} is not an http(s) URL")
    if values.get("email") and "@" not in values["email"]:
        raise WatchError(f"{label}: field 'email': {values['email']!r} is not an address")
    if values.get("email_mode", "event") not in ("event", "digest"):
        raise WatchError(f"{label}: field 'email_mode': must be 'event' or 'digest'")
    if "console" in entry:
        if not isinstance(entry["console"], bool):
            raise WatchError(f"{label}: field 'console': must be true or false")
        values["console"] = entry["console"]
    values["_needles"] = tuple(normalize_text(k) for k in values.get("keywords", ()))
    watch = Watch(**values)
    if not watch.channels():
        raise WatchError(f"{label}: no channel (give webhook, email, atom or console)")
    return watch


def watches_path(sources_path: Path) -> Path:
    """POLICY_ARCHIVE_WATCHES, else watches.toml beside the sources file."""
    env = os.environ.get("POLICY_ARCHIVE_WATCHES")
    return Path(env) if env else Path(sources_path).parent / "watches.toml"


def load_watches(path: Path) -> dict[str, Watch]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WatchError(f"{path}: cannot read: {exc}") from None
    unknown = sorted(set(data) - {"watch"})
    if unknown:
        raise WatchError(f"{path}: unknown top-level key {unknown[0]!r} (watches are [[watch]] tables)")
    watches: dict[str, Watch] = {}
    for index, entry in enumerate(data.get("watch", []), 1):
        if not isinstance(entry, dict):
            raise WatchError(f"{path}: watch #{index}: must be a table")
        try:
            watch = build_watch(entry, f"watch #{index}")
        except WatchError as exc:
            raise WatchError(f"{path}: {exc}") from None
        if watch.name in watches:
            raise WatchError(f"{path}: watch {watch.name!r}: duplicate name")
        watches[watch.name] = watch
    return watches


def save_watches(path: Path, watches: dict[str, Watch]) -> None:
    """Rewrite the file atomically, so a crash never leaves half a config."""
    header = "# Watches for policy-archive (`policy-archive watch add|list|remove|test`). Secrets come from\n" \
             "# POLICY_ARCHIVE_WEBHOOK_SECRET and POLICY_ARCHIVE_SMTP_URL, never from this file.\n\n"
    body = "\n".join(w.to_toml() for w in watches.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(header + body, encoding="utf-8")
    os.replace(tmp, path)
