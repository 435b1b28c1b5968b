"""The five shared seed documents: the junk a naive scraper left goes (or moves to metadata), the body stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import clean_text

SEED_002_JUNK = {
    "手機版": "mobile_banner",
    "歡迎使用手機瀏覽": "mobile_banner",
    "1 1 1": "counter",
    "共產黨員網 打印 糾錯": "toolbar",
    "微信掃一掃 ×": "share",
    "收聽本文 00:00/00:00": "player",
    "延伸閱讀": "related",
    "學習浙江“千萬工程”經驗案例": "related",
    "發布時間:2024年01月19日 13:10 來源:中國組織人事報 編輯:田延華 打印": "meta",
}
SEED_004_JUNK = {
    "目录": "toc",
    "1.抓实党建引领 推动乡村振兴 2": "toc",
    "17.深入推进抓党建促乡村振兴 52": "toc",
    "如若转载,请注明出处:https://www.shituxiezuo.com/95438.html": "disclaimer",
}


def _seed(seeds_dir: Path, prefix: str) -> str:
    matches = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
    assert matches, f"seed {prefix} missing in {seeds_dir}"
    return matches[0].read_text(encoding="utf-8")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _removed(cleaned) -> dict[str, str]:
    return {removal.line: removal.kind for removal in cleaned.removed}


def test_seed_002_junk_goes_and_meta_moves_to_metadata(seeds_dir):
    source = _seed(seeds_dir, "002")
    cleaned = clean_text(source)
    removed = _removed(cleaned)
    for line, kind in SEED_002_JUNK.items():
        assert removed.get(line) == kind, line
    spam = [line for line in _lines(source) if line.startswith(("无码av", "亚洲最新中文字幕"))]
    assert len(spam) == 2 and all(removed.get(line) == "spam" for line in spam)
    assert cleaned.metadata.publisher == "中國組織人事報"
    assert cleaned.metadata.editor == "田延華"
    assert cleaned.metadata.published == "2024-01-19T13:10:00+08:00"
    body = [line for line in _lines(source) if line not in removed]
    assert _lines(cleaned.text) == body
    assert "黨建引領 “千萬工程”強村富民" in body and any(line.startswith("核心閱讀") for line in body)
    assert len(body) == len(_lines(source)) - len(SEED_002_JUNK) - 2


def test_seed_001_sharing_banner_goes_and_page_chunks_rejoin(seeds_dir):
    source = _seed(seeds_dir, "001")
    cleaned = clean_text(source)
    banner = _lines(source)[0]
    assert _removed(cleaned) == {banner: "sharing_banner"}
    assert "识大势才能方向明" in cleaned.text  # "…识大势" + "2、才能方向明…" rejoined across the page break
    assert not any(line[:3].rstrip("、").isdigit() and "、" in line[:4] for line in _lines(cleaned.text))
    # nothing but the 49 markers went: the body keeps every character of the 49 page chunks
    markers = sum(len(f"{n}、") for n in range(1, 50))
    assert len("".join(_lines(cleaned.text))) == len("".join(_lines(source)[1:])) - markers


def test_seed_004_title_repeat_toc_and_disclaimer_go(seeds_dir):
    source = _seed(seeds_dir, "004")
    lines = _lines(source)
    cleaned = clean_text(source)
    removed = _removed(cleaned)
    for line, kind in SEED_004_JUNK.items():
        assert removed.get(line) == kind, line
    assert removed.get(lines[-2]) == "disclaimer" and lines[-2].startswith("本文内容由互联网用户自发贡献")
    kept = _lines(cleaned.text)
    assert kept[0] == lines[0]  # the title once, not twice
    assert kept.count(lines[0]) == 1
    assert "抓实党建引领 推动乡村振兴" in kept  # the section heading after the TOC is body
    assert all(line in lines for line in kept)
    assert len(kept) == len(lines) - 1 - 18 - 2


def test_seed_004_with_title_drops_both_title_lines(seeds_dir):
    source = _seed(seeds_dir, "004")
    title = _lines(source)[0]
    kept = _lines(clean_text(source, title=title).text)
    assert title not in kept
    assert clean_text(source, title=title).metadata.title == title


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_clean_seeds_keep_every_line(seeds_dir, prefix):
    source = _seed(seeds_dir, prefix)
    cleaned = clean_text(source)
    assert cleaned.removed == ()
    assert _lines(cleaned.text) == _lines(source)
