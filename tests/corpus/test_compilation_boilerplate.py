"""Compilations split into pieces; boilerplate learned from one source's texts; explain names every rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import clean_text, learn_boilerplate, split_compilation
from corpus.compilation import toc_titles
from corpus.explain import explain

COMPILATION = """发言材料汇编
目录
1.抓实党建引领 2
2.打造雁阵队伍 5
3.打造雁阵队伍 9
抓实党建引领
第一篇的正文。
打造雁阵队伍
第二篇的正文。
打造雁阵队伍
第三篇的正文。
"""


def test_split_compilation_by_its_toc_with_duplicate_titles():
    pieces = split_compilation(COMPILATION)
    assert [(p.number, p.title, p.text) for p in pieces] == [
        (1, "抓实党建引领", "第一篇的正文。"), (2, "打造雁阵队伍", "第二篇的正文。"), (3, "打造雁阵队伍", "第三篇的正文。")]


def test_cleaned_text_splits_with_the_titles_of_the_raw_toc():
    titles = toc_titles(COMPILATION)
    cleaned = clean_text(COMPILATION).text
    assert "目录" not in cleaned
    assert [p.text for p in split_compilation(cleaned, titles)] == ["第一篇的正文。", "第二篇的正文。", "第三篇的正文。"]


def test_not_a_compilation():
    assert split_compilation("一、总体要求\n正文。\n二、主要任务\n正文。") == []
    assert split_compilation("目录\n1.总则 2\n总则\n正文。") == []  # one piece is a document with a contents line


def test_seed_004_compilation_pieces(seeds_dir: Path):
    text = sorted(seeds_dir.glob("004_*.txt"))[0].read_text(encoding="utf-8")
    pieces = split_compilation(text)
    assert len(pieces) >= 8
    assert [p.title for p in pieces[2:5:2]] == ["打造乡村振兴雁阵队伍"] * 2  # listed twice, two pieces
    assert pieces[2].text != pieces[4].text and all(p.text for p in pieces)


def test_learn_boilerplate_threshold_and_minimum():
    pages = [f"正文{i}。\n本站声明:转载请联系\n侧栏推荐" if i < 6 else f"正文{i}。\n本站声明:转载请联系" for i in range(10)]
    assert learn_boilerplate(pages, threshold=0.5) == frozenset({"本站声明:转载请联系", "侧栏推荐"})
    assert learn_boilerplate(pages, threshold=0.8) == frozenset({"本站声明:转载请联系"})
    assert learn_boilerplate(pages[:3]) == frozenset()  # too few pages to call anything recurring
    with pytest.raises(ValueError):
        learn_boilerplate(pages, threshold=0)


def test_learned_lines_go_with_their_rule():
    cleaned = clean_text("正文。\n侧栏推荐", boilerplate=frozenset({"侧栏推荐"}), boilerplate_rule="learned:x")
    assert cleaned.text == "正文。"
    assert [(r.kind, r.rule) for r in cleaned.removed] == [("learned", "learned:x")]


def test_explain_names_a_rule_for_every_line_that_went():
    text = "手機版\n發布時間:2024年01月19日 來源:新華社\n规(guī)划正文。\n正文第二段。"
    cleaned = clean_text(text)
    decisions = explain(text, cleaned.removed, cleaned.text)
    assert [(d.action, d.rule) for d in decisions] == [
        ("remove", "mobile_banner.switch"), ("meta", "meta.labelled"), ("repair", "repair.pinyin"), ("keep", None)]
