"""One crawl of the replica's hard parts over loopback, checked on DB rows, CLI output and the WARC files."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli, demo_source_toml

FAULTS = ["429", "flaky", "hang", "loop", "big", "truncated"]


def hard_source(base: str, name: str = "hard", **overrides: object) -> str:
    fields: dict[str, object] = dict(
        start_urls=[f"{base}/hard/trs/index.html", f"{base}/hard/art/2301.html", f"{base}/hard/gbk/utf8/2302.html",
                    f"{base}/hard/gbk/latin1/2306.html", *(f"{base}/hard/faults/{f}.html" for f in FAULTS)],
        follow_patterns=[r"/hard/trs/index(_\d+)?\.html$"],
        article_patterns=[r"/art/\d{4}/\d+\.html$", "/hard/(art|gbk|faults)/"],
        feeds=[f"{base}/hard/atom.xml"], sitemaps=[f"{base}/hard/sitemap_index.xml"], download_timeout="3s")
    fields.update(overrides)
    return demo_source_toml(base, name=name, **fields)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cli, object, dict]]:
    """Extraction in a worker process here (the other crawl tests extract in the crawl process), so attachments
    must wait for their article to be stored."""
    from replica.site import ReplicaSite

    mp = pytest.MonkeyPatch()
    mp.setenv("POLICY_ARCHIVE_EXTRACT_WORKERS", "1")
    tmp = tmp_path_factory.mktemp("hard")
    with ReplicaSite(port=0) as site:
        sources = tmp / "sources.toml"
        sources.write_text(hard_source(site.base_url), encoding="utf-8")
        cli = Cli(f"sqlite:///{tmp / 'archive.sqlite3'}", sources, tmp / "home")
        run = cli.json("crawl", "hard")
        yield cli, site, run
    mp.undo()


def rows(cli: Cli, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(cli.db_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql, args).fetchall()


def by_path(cli: Cli, site, kind: str | None = None) -> dict[str, list[tuple]]:  # noqa: ANN001
    out: dict[str, list[tuple]] = {}
    for url, *rest in rows(cli, "select url, status, outcome, error, encoding, kind from fetch order by id"):
        if kind is None or rest[-1] == kind:
            out.setdefault(url.removeprefix(site.base_url), []).append(tuple(rest))
    return out


def test_run_is_ok_and_every_replica_article_is_found(crawled) -> None:  # noqa: ANN001
    cli, site, run = crawled
    assert run["status"] == "ok", run
    urls = {d["url"] for d in cli.json_lines("docs", "list", "--limit", "1000")}
    assert {site.base_url + a.path for a in site.articles} <= urls  # TRS listing + sitemap index + Atom


def test_trs_pagination_is_followed_to_the_last_page(crawled) -> None:  # noqa: ANN001
    cli, site, _ = crawled
    listings = by_path(cli, site, "listing")
    assert {"/hard/trs/index.html", "/hard/trs/index_1.html", "/hard/trs/index_4.html"} <= set(listings)
    assert "/hard/trs/index_5.html" not in listings


def test_sitemap_index_gzip_and_news_sitemaps_and_atom_are_read(crawled) -> None:  # noqa: ANN001
    cli, site, _ = crawled
    fetched = by_path(cli, site)
    for path in ("/hard/sitemap_index.xml", "/hard/sitemaps/articles.xml.gz", "/hard/sitemaps/news.xml",
                 "/hard/atom.xml"):
        assert fetched[path][0][1] == "listing", path


def test_misdeclared_gbk_pages_decode_to_the_real_text(crawled) -> None:  # noqa: ANN001
    cli, site, _ = crawled
    for path, article_id in (("/hard/gbk/utf8/2302.html", 2302), ("/hard/gbk/latin1/2306.html", 2306)):
        status, outcome, error, encoding, _ = by_path(cli, site)[path][0]
        assert (status, outcome, error) == (200, "new", None), path
        assert encoding == "gb18030"
        shown = cli.json("docs", "show", site.base_url + path)
        article = site.article(article_id)
        assert shown["title"] == article.title
        for paragraph in article.paragraphs:
            assert paragraph in shown["text"]


def test_attachments_are_archived_under_their_article(crawled) -> None:  # noqa: ANN001
    from replica.hard import attachment_text

    cli, site, _ = crawled
    article = site.article(2301)
    parent = rows(cli, "select id from document where url = ?", f"{site.base_url}/hard/art/2301.html")[0][0]
    found = dict(rows(cli, "select url, parent_id from document where kind = 'attachment'"))
    pdf, docx = f"{site.base_url}/hard/att/2301.pdf", f"{site.base_url}/hard/att/2301.docx"
    assert found == {pdf: parent, docx: parent}
    for url, kind in ((pdf, "pdf"), (docx, "docx")):
        text = cli.json("docs", "show", url)["text"]
        title, lines = attachment_text(article, kind)
        assert title in text and all(line in text for line in lines)
    fetched = by_path(cli, site, "attachment")
    assert "unsupported attachment format: xls" in fetched["/hard/att/2301.xls"][0][2]
    assert not any("example.invalid" in url for url in fetched)  # outside the allowed domains


def test_faults_are_fetch_rows_with_reasons(crawled) -> None:  # noqa: ANN001
    cli, site, _ = crawled
    fetched = by_path(cli, site, "article")
    assert fetched["/hard/faults/429.html"][-1][:2] == (200, "new")  # after honouring Retry-After
    assert fetched["/hard/faults/flaky.html"][-1][:2] == (200, "new")  # third attempt
    assert site.hit("/hard/faults/flaky.html") == 4  # two 500s, one 200, and this call
    fetched["/hard/faults/loop.html"] = fetched.get("/hard/faults/loop.html") or fetched["/hard/faults/loop2.html"]
    reasons = {f: fetched[f"/hard/faults/{f}.html"][-1] for f in ("hang", "loop", "big", "truncated")}
    for fault, (_, outcome, error, _, _) in reasons.items():
        assert outcome == "error" and error, fault
    assert "Timeout" in reasons["hang"][2]
    assert "redirect" in reasons["loop"][2].lower()
    assert "max size" in reasons["big"][2].lower()
    assert "truncated" in reasons["truncated"][2]


def test_every_fetch_with_a_response_points_into_a_valid_warc(crawled) -> None:  # noqa: ANN001
    from warcio.archiveiterator import ArchiveIterator

    cli, site, _ = crawled
    warc_dir = cli.home / "warc"
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert files
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    index = subprocess.run([str(Path(sys.executable).with_name("warcio")), "index", *map(str, files)],
                           capture_output=True, text=True, check=True).stdout
    assert '"warc-type": "request"' in index and '"warc-type": "response"' in index
    pointed = rows(cli, "select url, status, warc_path, warc_offset, warc_length, payload_digest from fetch "
                        "where status is not null")
    assert pointed and all(r[2] for r in pointed)
    for url, status, path, offset, length, digest in pointed:
        with (warc_dir / path).open("rb") as fh:
            fh.seek(offset)
            member = io.BytesIO(fh.read(length))  # the pointer spans exactly one gzip member
        record = next(iter(ArchiveIterator(member)))
        assert record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url
        assert record.http_headers.get_statuscode() == str(status)
        assert record.rec_headers.get_header("WARC-Payload-Digest") == digest
        record.content_stream().read()
        assert member.read() == b""
