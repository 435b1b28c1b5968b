"""pywb replays an archived article from the crawler's WARCs, on loopback, byte for byte."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import Cli

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_pywb_replays_an_archived_article(cli: Cli, site, tmp_path: Path) -> None:
    if not (BIN / "wayback").exists():
        pytest.fail("pywb is not installed in this environment (pip install -e '.[test]')")
    cli.json("crawl", "demo", "--max-pages", "3")
    warcs = sorted((cli.home / "warc").glob("*.warc.gz"))
    assert warcs
    root = tmp_path / "pywb"
    root.mkdir()
    subprocess.run([str(BIN / "wb-manager"), "init", "policy"], cwd=root, check=True, capture_output=True)
    subprocess.run([str(BIN / "wb-manager"), "add", "policy", *map(str, warcs)], cwd=root, check=True,
                   capture_output=True)
    url = cli.json_lines("docs", "list")[0]["url"]
    article = next(a for a in site.articles if site.base_url + a.path == url)
    assert url in (root / "collections/policy/indexes/index.cdxj").read_text()
    port = _free_port()
    proc = subprocess.Popen([str(BIN / "wayback"), "--bind", "127.0.0.1", "-p", str(port)], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        replay = f"http://127.0.0.1:{port}/policy/id_/{url}"
        for _ in range(100):  # wait for the server to listen (startup, not a timing assertion)
            try:
                status, body = _get(replay)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("pywb did not start")
        assert status == 200
        assert body == site.serve_article(article.id).data
        assert article.title in body.decode("utf-8")
    finally:
        proc.terminate()
        proc.wait(10)
