"""The sources file: the shipped one loads, every kind of mistake is caught with the source and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import Schedule, SourcesError, load_sources, parse_sources

REPO = Path(__file__).resolve().parents[2]

VALID = """
[[source]]
name = "a"
allowed_domains = ["example.org"]
start_urls = ["https://example.org/list/"]
article_patterns = ['/art/\\d+\\.html$']
schedule = "*/30 * * * *"
"""


def test_shipped_sources_file_has_demo_and_five_real_publishers() -> None:
    sources = load_sources(REPO / "sources.toml")
    assert "demo" in sources
    real = [s for s in sources.values() if s.name != "demo"]
    assert len(real) >= 5
    assert all(s.enabled and s.article_patterns for s in real)


def test_valid_minimal_source_gets_defaults() -> None:
    source = parse_sources(VALID)["a"]
    assert source.parsed_schedule == Schedule("*/30 * * * *")
    assert source.time_limit_seconds == 1800 and source.encoding == "" and source.feeds == ()


@pytest.mark.parametrize(
    ("expr", "seconds"), [("every 15m", 900), ("every 6h", 21600), ("every 30s", 30), ("every 1d", 86400)]
)
def test_interval_schedules(expr: str, seconds: int) -> None:
    assert Schedule.parse(expr).interval_seconds == seconds


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ('speed = 3', "unknown field 'speed'"),
        ('schedule = "* * *"', "field 'schedule'"),
        ('schedule = "0 25 * * *"', "field 'schedule'"),
        ("follow_patterns = ['(']", "field 'follow_patterns': bad regular expression"),
        ('feeds = "https://example.org/rss"', "field 'feeds': must be a list"),
        ("concurrency = 0", "field 'concurrency'"),
        ('time_limit = "soon"', "field 'time_limit'"),
    ],
)
def test_errors_name_source_and_field(extra: str, needle: str) -> None:
    text = VALID.replace('schedule = "*/30 * * * *"', "") + extra + "\n"
    with pytest.raises(SourcesError) as err:
        parse_sources(text, "s.toml")
    assert needle in str(err.value) and "source 'a'" in str(err.value) and str(err.value).startswith("s.toml")


def test_duplicates_and_bad_toml() -> None:
    with pytest.raises(SourcesError, match="source 'a': field 'name': duplicate"):
        parse_sources(VALID + VALID)
    with pytest.raises(SourcesError, match="not valid TOML"):
        parse_sources("[[source]\nname=")
    with pytest.raises(SourcesError, match="not found"):
        load_sources("/nonexistent/sources.toml")


def test_cron_schedules_take_jitter_like_interval_ones() -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    trigger = Schedule.parse("30 7,19 * * *").trigger(jitter=60)
    assert trigger.jitter == 60
    start = dt.datetime(2024, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    fire = trigger.get_next_fire_time(None, start)
    assert dt.timedelta(0) <= fire - start.replace(hour=19, minute=30) <= dt.timedelta(seconds=60)
