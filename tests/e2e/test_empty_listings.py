"""A listing with nothing to show says in one line what was looked for, exits 0, and keeps --json empty."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import Cli

TABLE = "┏"  # the top-left corner of a rich table: an (empty) table was printed


def _empty(cli: Cli, *args: str) -> str:
    """The one line a listing printed for no rows; its --json form prints no lines at all."""
    proc = cli(*args)
    assert TABLE not in proc.stdout
    assert len(proc.stdout.strip().splitlines()) == 1, proc.stdout
    assert cli(*args, "--json").stdout == ""
    return proc.stdout.strip()


def test_fresh_archive(cli: Cli) -> None:
    cli("init")
    assert _empty(cli, "docs", "list") == "no documents archived yet"
    assert _empty(cli, "docs", "list", "--source", "demo", "--since", "2030-01-01", "--query", "党建") == \
        "no documents match: source 'demo', published on or after 2030-01-01, text matching '党建'"
    assert _empty(cli, "clusters", "list") == "no clusters with 2 or more members yet"
    assert _empty(cli, "clusters", "list", "--min-size", "1") == "no clusters yet"
    assert _empty(cli, "runs") == "no crawl runs yet"
    assert _empty(cli, "runs", "--source", "demo") == "no crawl runs of source 'demo' yet"
    assert _empty(cli, "search", "党建", "--until", "2020-01-01") == \
        "no documents match '党建' (published on or before 2020-01-01)"
    assert cli("search", "党建").stderr.strip() == "0 results"
    assert _empty(cli, "watch", "list") == \
        f"no watches in {cli.sources.parent / 'watches.toml'} (add one with `policy-archive watch add`)"
    assert cli("boilerplate", "show", "demo").stdout.strip() == \
        "demo: no boilerplate lines learned (`policy-archive boilerplate learn demo` learns them from its archived pages)"
    assert cli.json("boilerplate", "show", "demo") == {"source": "demo", "pages": 0, "threshold": 0.5, "lines": []}


def test_document_without_versions(cli: Cli) -> None:
    """The write path never leaves a document without a version; a damaged archive still gets a sentence."""
    cli("init")
    with sqlite3.connect(cli.db_url.removeprefix("sqlite:///")) as conn:
        doc_id = conn.execute("insert into document (source_id, url, first_seen, last_seen, version_count, kind) "
                              "select id, 'http://127.0.0.1/art/2024/1.html', '2024-01-01 00:00:00', "
                              "'2024-01-01 00:00:00', 0, 'article' from source where name = 'demo'").lastrowid
    assert _empty(cli, "docs", "history", str(doc_id)) == f"document {doc_id} has no archived versions"


def test_crawled_archive_without_duplicates(cli: Cli) -> None:
    """The replica's articles are all distinct: no clusters of two, no near-duplicates (as in the demo archive)."""
    cli.json("crawl", "demo", "--max-pages", "3")
    docs = cli.json_lines("docs", "list")
    assert len(docs) == 3
    assert _empty(cli, "clusters", "list") == "no clusters with 2 or more members yet"
    assert "Clusters" in cli("clusters", "list", "--min-size", "1").stdout  # singletons still make a table
    for ref in (str(docs[0]["id"]), docs[0]["url"]):
        assert _empty(cli, "docs", "similar", ref) == (
            f"no near-duplicates of document {ref} (nothing else in its cluster or its LSH buckets; documents "
            "cluster at similarity >= 0.5)")
    assert _empty(cli, "docs", "list", "--since", "2999-01-01") == "no documents match: published on or after 2999-01-01"
    assert _empty(cli, "search", "量子纠缠", "--source", "demo") == "no documents match '量子纠缠' (source 'demo')"
    assert cli("boilerplate", "learn", "demo").stdout.strip() == \
        "demo: nothing learned: 3 archived pages, fewer than 5 (--min-pages); its learned set is now empty"
    assert cli("boilerplate", "learn", "demo", "--min-pages", "2", "--threshold", "1").stdout.strip() == \
        "demo: nothing learned: no line is on 100% of its 3 archived pages; its learned set is now empty"
    assert TABLE in cli("runs").stdout  # with rows, the table as before


def test_no_sources_and_no_pages(cli: Cli, tmp_path: Path) -> None:
    cli.sources.write_text("# no sources yet\n", encoding="utf-8")
    assert _empty(cli, "sources", "list") == f"no sources in {cli.sources}"
    status = cli("status").stdout.strip().splitlines()
    assert status[0].startswith("daemon: never started") and status[1:] == [f"no sources in {cli.sources}"]
    pages = tmp_path / "pages"
    pages.mkdir()
    proc = cli("extract", str(pages))
    assert proc.stdout == "" and proc.stderr.strip() == f"no *.html files in {pages}"
