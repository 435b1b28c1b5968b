"""A running scheduler reports its health in `status` and picks up a changed sources file on `reload`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli, demo_source_toml
from tests.scheduler.daemon_proc import query, start_daemon, stop, wait_for


def test_status_shows_the_leader_and_reload_applies_a_new_schedule(tmp_path: Path, site) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_source_toml(site.base_url, schedule="every 1h"), encoding="utf-8")
    cli = Cli(f"sqlite:///{tmp_path / 'archive.sqlite3'}", sources, tmp_path / "home")
    daemon = start_daemon(cli)
    try:
        ok = "select id from crawl_run where status = 'ok'"
        wait_for("the first crawl", lambda: query(cli, ok), proc=daemon)
        report = cli.json("status")
        assert report["daemon"]["running"] and f":{daemon.pid}:" in report["daemon"]["lease_holder"]
        demo = report["sources"][0]
        assert demo["schedule"] == "every 1h" and demo["next_run"] and demo["last_run"]["status"] == "ok"
        assert demo["last_run"]["new_documents"] == len(site.articles) and demo["documents"] == len(site.articles)

        sources.write_text(demo_source_toml(site.base_url, schedule="every 2s"), encoding="utf-8")
        cli("reload")
        wait_for("crawls on the new schedule", lambda: len(query(cli, ok)) >= 3, proc=daemon)
    finally:
        code, _out, err = stop(daemon)
    assert code == 0, err
    assert cli.json("status")["daemon"]["running"] is False
