"""`python -m replica` serves, logs each request to stderr, and exits cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from replica_http import fetch

ROOT = Path(__file__).resolve().parents[2]


def test_cli_serves_until_sigterm():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "replica", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    try:
        banner = proc.stdout.readline()
        base_url = banner.split(" at ", 1)[1].split("/ ", 1)[0]
        assert base_url.startswith("http://127.0.0.1:")
        assert fetch(base_url + "/robots.txt").status == 200
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "GET /robots.txt" in stderr
