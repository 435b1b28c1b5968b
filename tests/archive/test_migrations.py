"""Schema only through Alembic: upgrade an empty database to head, check no drift, downgrade to base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from archive.db import alembic_config, include_name, make_engine, upgrade
from archive.models import Base


def test_upgrade_check_downgrade(archive_url: str) -> None:
    """On SQLite and PostgreSQL: every migration upgrades, the models match (no drift), every one downgrades."""
    engine = make_engine(archive_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"source", "document", "version", "fetch", "crawl_run", "cluster", "sketch", "sketch_band"} <= tables
    assert ("search_fts" if engine.dialect.name == "sqlite" else "search_tsv") in tables
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_name": include_name, "compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_upgrade_keeps_the_rows_of_a_populated_database(tmp_path: Path) -> None:
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("insert into source (id, name, title, created_at) values (1, 'x', '', '2024-01-01')"))
        conn.execute(text("insert into document (id, source_id, url, first_seen, last_seen, version_count) "
                          "values (1, 1, 'http://x.cn/a', '2024-01-01', '2024-01-01', 1)"))
        conn.execute(text("insert into version (id, document_id, number, reason, text, text_norm, hash, meta, "
                          "extractor_version, first_seen, last_seen) values "
                          "(1, 1, 1, 'new', '甲', '甲', 'h', '{}', '0', '2024-01-01', '2024-01-01')"))
        conn.execute(text("update document set current_version_id = 1"))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select kind, current_version_id from document")).all() == [("article", 1)]
        assert conn.execute(text("pragma foreign_key_check")).all() == []
        assert conn.execute(text("pragma foreign_keys")).scalar() == 1
    engine.dispose()


def test_search_and_clusters_migration_indexes_what_is_already_archived(archive_url: str) -> None:
    """0004 and 0007 on a populated archive: existing current versions become searchable (with filters) and
    clustered; it downgrades too."""
    from sqlalchemy import text

    from archive.db import Database
    from archive.pulls import list_clusters, search_records

    engine = make_engine(archive_url)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("insert into source (id, name, title, created_at) values (1, 'x', '', '2024-01-01')"))
        for i, body in ((1, "浙江千万工程经验在全国推广。" * 5), (2, "浙江千萬工程經驗在全國推廣。" * 5)):
            conn.execute(text("insert into document (id, source_id, url, first_seen, last_seen, version_count, kind) "
                              "values (:i, 1, :u, '2024-01-01', '2024-01-01', 1, 'article')"),
                         {"i": i, "u": f"http://x.cn/{i}"})
            conn.execute(text("insert into version (id, document_id, number, reason, text, text_norm, hash, meta, "
                              "extractor_version, first_seen, last_seen) values (:i, :i, 1, 'new', :t, :n, 'h', '{}', "
                              "'0', '2024-01-01', '2024-01-01')"),
                         {"i": i, "t": body, "n": body.replace("萬", "万").replace("經驗", "经验").replace("國", "国")
                          .replace("廣", "广")})
            conn.execute(text("update document set current_version_id = :i where id = :i"), {"i": i})
    upgrade(engine)
    engine.dispose()
    db = Database(archive_url)
    with db.reading() as s:
        assert {h["id"] for h in search_records(s, "千万工程")} == {1, 2}
        assert {h["id"] for h in search_records(s, "千万工程", source="x")} == {1, 2}  # 0007's filter columns
        assert search_records(s, "千万工程", since=dt.date(2024, 1, 1)) == []  # no publication date
        assert list_clusters(s)[0]["size"] == 2
    db.dispose()
    engine = make_engine(archive_url)
    command.downgrade(alembic_config(engine), "0002")
    assert "sketch" not in set(inspect(engine).get_table_names())
    engine.dispose()


def test_cheap_head_check_agrees_with_alembic(tmp_path: Path) -> None:
    """`Database()` skips Alembic when the version table already names the scripts' heads, read without Alembic."""
    from alembic.script import ScriptDirectory

    from archive.db import at_head, head_revisions

    assert head_revisions() == set(ScriptDirectory.from_config(alembic_config()).get_heads())
    engine = make_engine(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    assert not at_head(engine)  # no version table yet
    upgrade(engine, "0001")
    assert not at_head(engine)
    upgrade(engine)
    assert at_head(engine)
    engine.dispose()


def test_a_half_migrated_database_is_never_visible_to_another_process(tmp_path: Path) -> None:
    """The upgrade is one transaction: while its last scripts run, another connection still sees an empty file. (Had
    each script committed on its own, a second process starting then would re-run scripts and fail.)"""
    import sqlite3

    from sqlalchemy import event

    path = tmp_path / "m.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    seen: list[list[str]] = []

    def _peek(conn, cursor, statement: str, *args: object) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("CREATE TABLE OUTBOX"):  # a late script (0006)
            with sqlite3.connect(path, timeout=1) as other:
                seen.append([row[0] for row in other.execute("select name from sqlite_master where type = 'table'")])

    event.listen(engine, "before_cursor_execute", _peek)
    upgrade(engine)
    engine.dispose()
    assert seen == [[]]


def _migrate(url: str) -> None:
    from archive.db import Database

    Database(url).dispose()


def test_processes_starting_together_on_a_fresh_file_all_migrate_it(tmp_path: Path) -> None:
    import multiprocessing

    from sqlalchemy import text

    ctx = multiprocessing.get_context("spawn")
    for round_ in range(2):
        url = f"sqlite:///{tmp_path / f'fresh{round_}.sqlite3'}"
        procs = [ctx.Process(target=_migrate, args=(url,)) for _ in range(4)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(120)
        assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from alembic_version")).scalar() == 1
        engine.dispose()
