"""`policy-archive extract DIR` on the shared real pages scores at least as well as trafilatura's default call."""

from __future__ import annotations

import importlib.util
import json
import subprocess

import pytest

from tests.conftest import CLI, REPO, shared_path


def _scorer():  # noqa: ANN202 - the shared set's own score.py is the metric everyone uses
    spec = importlib.util.spec_from_file_location("score", shared_path("data", "extraction", "score.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_extract_directory_beats_trafilatura_default(lang: str) -> None:
    score = _scorer()
    records = [r for r in score.load_manifest() if r["lang"] == lang]
    proc = subprocess.run([*CLI, "extract", str(shared_path("data", "extraction", lang))], capture_output=True,
                          text=True, cwd=REPO, timeout=600, check=True)
    ours = {}
    for line in proc.stdout.splitlines():
        row = json.loads(line)
        assert {"path", "url", "title", "text", "published", "publisher", "author", "editor"} <= set(row)
        ours[row["path"].rsplit("/", 1)[1].removesuffix(".html")] = row["text"]
    assert set(ours) == {r["id"] for r in records}
    baseline = score.trafilatura_preds(records)
    gold = {r["id"]: (shared_path("data", "extraction", r["gold"])).read_text(encoding="utf-8") for r in records}
    f1_ours = sum(score.prf(ours[i], g)[2] for i, g in gold.items()) / len(gold)
    f1_base = sum(score.prf(baseline[i], g)[2] for i, g in gold.items()) / len(gold)
    assert f1_ours >= f1_base, f"{lang}: ours {f1_ours:.3f} < trafilatura default {f1_base:.3f}"
