"""The sources file: one entry per publisher, validated at load so a bad entry never reaches a crawl."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # APScheduler (and asyncio under it) loads when a cron expression is checked or a trigger built
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

NAME_RE = re.compile(r"^[a-z0-9_-]+$")
EVERY_RE = re.compile(r"^every\s+(\d+)\s*([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_RE = re.compile(r"^(\d+)\s*([smhd]?)$")


class SourcesError(ValueError):
    """The sources file cannot be used; the message names the file, the source and the field."""


@dataclass(frozen=True)
class Schedule:
    """A 5-field cron expression or 'every N{s,m,h,d}'."""

    expr: str
    interval_seconds: int | None = None

    @classmethod
    def parse(cls, expr: str) -> Schedule:
        text = expr.strip()
        if m := EVERY_RE.match(text):
            seconds = int(m.group(1)) * UNIT_SECONDS[m.group(2)]
            if seconds <= 0:
                raise ValueError("interval must be positive")
            return cls(text, seconds)
        if len(text.split()) != 5:
            raise ValueError(f"{expr!r} is neither a 5-field cron expression nor 'every N[smhd]'")
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(text)  # raises ValueError with the offending field
        return cls(text)

    def trigger(self, jitter: int | None = None, timezone: str = "Asia/Shanghai") -> CronTrigger | IntervalTrigger:
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        if self.interval_seconds is not None:
            return IntervalTrigger(seconds=self.interval_seconds, jitter=jitter, timezone=timezone)
        # from_crontab takes no jitter; the same five fields through the constructor do (many sources on one
        # "0 * * * *" would otherwise all start in the same second)
        minute, hour, day, month, day_of_week = self.expr.split()
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                           timezone=timezone, jitter=jitter)


def _duration(value: Any, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(value, int) and not isinstance(value, bool) and value >= low:
        return value
    if isinstance(value, str) and (m := DURATION_RE.match(value.strip())) and int(m.group(1)) >= low:
        return int(m.group(1)) * UNIT_SECONDS[m.group(2) or "s"]
    raise ValueError(f"{value!r} is not a duration such as 900, '15m' or '1h'")


@dataclass(frozen=True)
class RevisitPolicy:
    """When an archived article is fetched again: young ones often, old ones rarely (0 = every crawl)."""

    young_seconds: int
    old_seconds: int
    young_days: int

    def interval(self, age_days: float) -> int:
        return self.young_seconds if age_days < self.young_days else self.old_seconds


@dataclass(frozen=True)
class Source:
    name: str
    title: str = ""
    allowed_domains: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    follow_patterns: tuple[str, ...] = ()
    article_patterns: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    schedule: str = "every 6h"
    encoding: str = ""
    keywords: tuple[str, ...] = ()
    enabled: bool = True
    download_delay: float = 2.0  # seconds between requests to one site before AutoThrottle adapts
    concurrency: int = 2  # parallel requests per domain
    time_limit: int | str = "30m"  # wall-clock limit of one crawl; the crawl is killed and recorded past it
    max_pages: int = 0  # articles per crawl, 0 = no limit
    revisit_young: int | str = "1h"  # archived articles younger than young_days are re-checked this often (0 = always)
    revisit_old: int | str = "7d"  # older ones this often; a newer sitemap <lastmod> makes any article due at once
    young_days: int = 30
    download_timeout: int | str = "30s"
    backfill_depth: int = 0  # listing pages walked by `crawl --backfill` (0 = until the last page)
    _schedule: Schedule = field(default=Schedule("every 6h", 21600), repr=False, compare=False)

    @property
    def parsed_schedule(self) -> Schedule:
        return self._schedule

    @property
    def time_limit_seconds(self) -> int:
        return _duration(self.time_limit)

    @property
    def revisit(self) -> RevisitPolicy:
        return RevisitPolicy(_duration(self.revisit_young, True), _duration(self.revisit_old, True), self.young_days)

    @property
    def download_timeout_seconds(self) -> int:
        return _duration(self.download_timeout)


LIST_FIELDS = {"allowed_domains", "start_urls", "follow_patterns", "article_patterns", "feeds", "sitemaps", "keywords"}
PUBLIC_FIELDS = {f.name for f in fields(Source) if not f.name.startswith("_")}


def _check_field(key: str, value: Any) -> Any:
    """Type-check and normalise one field; raise ValueError with a short reason."""
    if key in LIST_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError("must be a list of non-empty strings")
        value = tuple(v.strip() for v in value)
        if key.endswith("_patterns"):
            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
        if key in {"start_urls", "feeds", "sitemaps"}:
            for url in value:
                if urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).hostname:
                    raise ValueError(f"{url!r} is not an http(s) URL")
        return value
    expected = {"name": str, "title": str, "schedule": str, "encoding": str, "enabled": bool,
                "download_delay": (int, float), "concurrency": int, "max_pages": int, "time_limit": (int, str),
                "revisit_young": (int, str), "revisit_old": (int, str), "young_days": int,
                "download_timeout": (int, str), "backfill_depth": int}[key]
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        raise ValueError(f"has the wrong type ({type(value).__name__})")
    if key == "encoding" and value:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
    if key in {"download_delay", "max_pages", "young_days", "backfill_depth"} and value < 0 \
            or key == "concurrency" and value < 1:
        raise ValueError(f"{value!r} is out of range")
    if key in {"time_limit", "download_timeout"}:
        _duration(value)
    if key in {"revisit_young", "revisit_old"}:
        _duration(value, allow_zero=True)
    return value


def _build_source(entry: Any, index: int) -> Source:
    if not isinstance(entry, dict):
        raise SourcesError(f"source #{index}: must be a table")
    label = f"source {entry.get('name')!r}" if isinstance(entry.get("name"), str) else f"source #{index}"
    unknown = sorted(set(entry) - PUBLIC_FIELDS)
    if unknown:
        raise SourcesError(f"{label}: unknown field {unknown[0]!r} (known: {', '.join(sorted(PUBLIC_FIELDS))})")
    if "name" not in entry:
        raise SourcesError(f"{label}: field 'name': missing")
    values: dict[str, Any] = {}
    for key, value in entry.items():
        try:
            values[key] = _check_field(key, value)
        except ValueError as exc:
            raise SourcesError(f"{label}: field {key!r}: {exc}") from None
    if not NAME_RE.match(values["name"]):
        raise SourcesError(f"{label}: field 'name': must match [a-z0-9_-]+")
    try:
        values["_schedule"] = Schedule.parse(values.get("schedule", "every 6h"))
    except ValueError as exc:
        raise SourcesError(f"{label}: field 'schedule': {exc}") from None
    source = Source(**values)
    if not (source.start_urls or source.feeds or source.sitemaps):
        raise SourcesError(f"{label}: field 'start_urls': give at least one start URL, feed or sitemap")
    if not source.allowed_domains:
        raise SourcesError(f"{label}: field 'allowed_domains': missing or empty")
    if source.start_urls and not source.article_patterns:
        raise SourcesError(f"{label}: field 'article_patterns': listing pages need at least one article pattern")
    return source


def default_sources_path() -> Path:
    return Path(os.environ.get("POLICY_ARCHIVE_SOURCES") or "sources.toml")


def parse_sources(text: str, origin: str = "sources.toml") -> dict[str, Source]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{origin}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"source"})
    if unknown:
        raise SourcesError(f"{origin}: unknown top-level key {unknown[0]!r} (sources are [[source]] tables)")
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{origin}: 'source' must be an array of tables ([[source]])")
    sources: dict[str, Source] = {}
    for index, entry in enumerate(entries, 1):
        try:
            source = _build_source(entry, index)
        except SourcesError as exc:
            raise SourcesError(f"{origin}: {exc}") from None
        if source.name in sources:
            raise SourcesError(f"{origin}: source {source.name!r}: field 'name': duplicate name")
        sources[source.name] = source
    return sources


def load_sources(path: str | Path | None = None) -> dict[str, Source]:
    path = Path(path) if path else default_sources_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"{path}: sources file not found (set --sources or POLICY_ARCHIVE_SOURCES)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read: {exc}") from None
    return parse_sources(text, str(path))
