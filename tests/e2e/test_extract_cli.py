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


def test_clean_reads_stdin_and_explains_every_removed_line() -> None:
    text = "手機版\n發布時間:2024年01月19日 13:10 來源:中國組織人事報\n黨建引領 “千萬工程”強村富民。\n延伸閱讀\n"
    run = {"capture_output": True, "text": True, "cwd": REPO, "timeout": 120, "check": True, "input": text}
    plain = subprocess.run([*CLI, "clean"], **run).stdout
    assert plain == "黨建引領 “千萬工程”強村富民。\n"
    record = json.loads(subprocess.run([*CLI, "clean", "--json"], **run).stdout)
    assert record["published"] == "2024-01-19T13:10:00+08:00" and record["publisher"] == "中國組織人事報"
    assert [(r["kind"], r["rule"]) for r in record["removed"]] == [
        ("mobile_banner", "mobile_banner.switch"), ("meta", "meta.labelled"), ("related", "related.heading")]
    explained = subprocess.run([*CLI, "clean", "--explain"], **run).stdout.splitlines()
    assert explained[0].startswith("- mobile_banner:mobile_banner.switch") and explained[0].endswith("| 手機版")
    assert explained[1].startswith("> meta:meta.labelled")
    assert explained[2].strip().startswith("|") and explained[3].startswith("- related:related.heading")


def test_extract_explain_lists_what_trafilatura_gave(tmp_path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<html><head><title>标题</title></head><body><article><p>打印 纠错</p>"
                    "<p>" + "正文内容讲述乡村振兴的进展。" * 5 + "</p><p>责任编辑:张三</p></article></body></html>",
                    encoding="utf-8")
    out = subprocess.run([*CLI, "extract", str(page), "--explain"], capture_output=True, text=True, cwd=REPO,
                         timeout=120, check=True).stdout
    assert "> meta:meta.labelled" in out and "# editor: 张三" in out
    assert "正文内容讲述乡村振兴的进展" in out


def test_boilerplate_learn_and_show(tmp_path) -> None:
    from archive.db import Database
    from archive.store import ensure_source, store_extraction
    from corpus import Extraction, Metadata, normalize_text, text_hash

    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    database = Database(url)
    with database.unit_of_work() as session:
        source = ensure_source(session, "site")
        for i in range(6):
            text = f"第{i}篇正文,内容各不相同。\n政策解读专栏每周五更新"
            norm = normalize_text(text)
            store_extraction(session, source_id=source.id, url=f"http://x.cn/{i}.html", extraction=Extraction(
                title="t", text=text, text_norm=norm, hash=text_hash(norm), metadata=Metadata()))
    database.dispose()
    run = {"capture_output": True, "text": True, "cwd": REPO, "timeout": 120, "check": True}
    learned = json.loads(subprocess.run([*CLI, "--db", url, "boilerplate", "learn", "site", "--threshold", "0.8",
                                         "--json"], **run).stdout)
    assert learned == {"source": "site", "pages": 6, "threshold": 0.8,
                       "lines": [{"line": "政策解读专栏每周五更新", "pages": 6}]}
    shown = json.loads(subprocess.run([*CLI, "--db", url, "boilerplate", "show", "site", "--json"], **run).stdout)
    assert shown == learned
    missing = subprocess.run([*CLI, "--db", url, "boilerplate", "show", "nope"], capture_output=True, text=True,
                             cwd=REPO, timeout=120)
    assert missing.returncode == 2 and "no source 'nope'" in missing.stderr
