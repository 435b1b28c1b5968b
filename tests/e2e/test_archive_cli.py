"""The archive's pulls through the real CLI, on SQLite and PostgreSQL: as-of, diff, search, clusters, exports."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from tests.conftest import Cli


@pytest.fixture
def pulls(archive_url: str, cli: Cli, site) -> Cli:
    """The replica crawled once into a database on each backend, then one article edited and crawled again."""
    c = Cli(archive_url, cli.sources, cli.home)
    c.json("crawl", "demo")
    article = site.articles[3]
    site.update_article(article.id, paragraphs=[*article.paragraphs, "新增一段：各级党组织要把学习成果转化为实际成效。"])
    c.json("crawl", "demo")
    c.edited_url = site.base_url + article.path
    return c


def test_diff_show_as_of_search_similar(pulls: Cli) -> None:
    url = pulls.edited_url
    diff = pulls.json("docs", "diff", url)
    assert (diff["from"], diff["to"], diff["to_reason"]) == (1, 2, "changed")
    assert [o["text"] for o in diff["ops"] if o["op"] == "insert"] == ["\n新增一段：各级党组织要把学习成果转化为实际成效。"]
    assert diff["deleted"] == 0
    _search_cli(pulls)
    _similar_and_clusters_cli(pulls)
    coloured = pulls("docs", "diff", url).stdout
    assert "新增一段" in coloured and "+" in coloured
    # dates from the archive's own timestamps, not the clock: a run that crosses midnight must not flip the answer
    changed_on = dt.date.fromisoformat(diff["to_seen"][:10])
    first_on = dt.date.fromisoformat(diff["from_seen"][:10])
    assert "新增一段" in pulls.json("docs", "show", url, "--as-of", changed_on.isoformat())["text"]
    proc = pulls("docs", "show", url, "--as-of", (first_on - dt.timedelta(days=1)).isoformat(), check=False)
    assert proc.returncode == 2 and "as of" in proc.stderr
    proc = pulls("docs", "diff", url, "--from", "1", "--to", "9", check=False)
    assert proc.returncode == 2 and "versions 1–2" in proc.stderr


def _search_cli(pulls: Cli) -> None:
    hits = pulls.json_lines("search", "党建")
    assert hits and all(h["highlights"] for h in hits)
    for h in hits:
        s, e = h["highlights"][0]
        assert h["snippet"][s:e] in ("党建", "黨建")
    assert len(pulls.json_lines("search", "黨建", "--limit", "100")) == len(pulls.json_lines("search", "党建",
                                                                                          "--limit", "100"))
    listed = pulls.json_lines("docs", "list", "--query", "黨建", "--limit", "1000")
    assert {d["id"] for d in listed} == {h["id"] for h in pulls.json_lines("search", "党建", "--limit", "1000")}
    proc = pulls("docs", "list", "--query", "。，！", check=False)
    assert proc.returncode == 2 and "nothing to search" in proc.stderr
    out = pulls("search", "党建").stdout
    assert "党建" in out or "黨建" in out
    proc = pulls("search", "。，！", check=False)
    assert proc.returncode == 2 and "nothing to search" in proc.stderr
    proc = pulls("search", "党建", "--source", "nosuch", check=False)
    assert proc.returncode == 2 and "unknown source 'nosuch'" in proc.stderr
    proc = pulls("search", "党建", "--since", "2024-13-45", check=False)
    assert proc.returncode == 2


def _similar_and_clusters_cli(pulls: Cli) -> None:
    clusters = pulls.json_lines("clusters", "list", "--min-size", "1", "--limit", "1000")
    assert sum(c["size"] for c in clusters) == 30
    some = clusters[0]["canonical"]["id"]
    assert isinstance(pulls.json_lines("docs", "similar", str(some)), list)
    assert "Clusters" in pulls("clusters", "list", "--min-size", "1").stdout


def test_every_export_format_reads_back(pulls: Cli, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    pulls("export", "--format", "jsonl", "-o", str(tmp_path / "a.jsonl"))
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 30 and all(r["cluster"] for r in rows)
    pulls("export", "--format", "csv", "-o", str(tmp_path / "a.csv"))
    with (tmp_path / "a.csv").open(encoding="utf-8", newline="") as f:
        csv_rows = list(csv.DictReader(f))
    assert [r["text"] for r in csv_rows] == [r["text"] for r in rows]
    pulls("export", "--format", "parquet", "-o", str(tmp_path / "a.parquet"))
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.num_rows == 30 and table.column("text").to_pylist() == [r["text"] for r in rows]
    pulls("export", "--format", "txt", "-o", str(tmp_path / "tree"))
    files = sorted((tmp_path / "tree").rglob("*.txt"))
    assert len(files) == 30 and all(f.parent.parent.name == "demo" for f in files)
    first = files[0].read_text(encoding="utf-8")
    assert first.startswith("title: ") and "\nurl: " in first
    assert pulls("export", "--as-of", "2000-01-01").stdout == ""  # nothing had been archived by then
    stdout = pulls("export", "--canonical-only").stdout.splitlines()
    assert 0 < len(stdout) <= 30


def test_export_bad_input_leaves_nothing(pulls: Cli, tmp_path: Path) -> None:
    existing = tmp_path / "exists.jsonl"
    existing.write_text("keep me", encoding="utf-8")
    proc = pulls("export", "-o", str(existing), check=False)
    assert proc.returncode == 2 and "already exists" in proc.stderr
    assert existing.read_text(encoding="utf-8") == "keep me"
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):  # root writes anywhere; the check is for ordinary users
            proc = pulls("export", "-o", str(locked / "x.jsonl"), check=False)
            assert proc.returncode == 2 and "not writable" in proc.stderr
    finally:
        locked.chmod(0o700)
    proc = pulls("export", "-o", str(tmp_path / "nofolder" / "x.jsonl"), check=False)
    assert proc.returncode == 2 and "not a folder" in proc.stderr
    proc = pulls("export", "--format", "xml", "-o", str(tmp_path / "x.xml"), check=False)
    assert proc.returncode == 2 and "unsupported format" in proc.stderr
    proc = pulls("export", "--source", "nosuch", "--format", "parquet", "-o", str(tmp_path / "n.parquet"), check=False)
    assert proc.returncode == 2 and "unknown source" in proc.stderr
    proc = pulls("export", "--since", "yesterday", "-o", str(tmp_path / "d.jsonl"), check=False)
    assert proc.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("sources.toml", "home", "archive.sqlite3",
                                                                       "archive.sqlite3-wal", "archive.sqlite3-shm")
                  ) == ["exists.jsonl", "locked"]
