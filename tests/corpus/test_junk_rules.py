"""Every junk rule removes the real line it was written for and leaves its keep lines alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import clean_text
from corpus.normalize import match_key
from corpus.rules import RuleError, load_rules, load_rules_from

RULES = load_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_rule_removes_its_example(rule):
    cleaned = clean_text(rule.example, title=rule.title)
    assert cleaned.text == ""
    assert [(r.kind, r.rule) for r in cleaned.removed] == [(rule.kind, rule.id)]


@pytest.mark.parametrize("rule", [r for r in RULES if r.shape != "title_repeat"], ids=lambda rule: rule.id)
def test_rule_matches_its_example_directly(rule):
    assert rule.matches(match_key(rule.example))


@pytest.mark.parametrize(
    ("rule", "line"), [(rule, line) for rule in RULES for line in rule.keep], ids=lambda x: getattr(x, "id", "")
)
def test_no_rule_touches_keep_lines(rule, line):
    cleaned = clean_text(line, title=rule.title)
    assert cleaned.text == line
    assert cleaned.removed == ()


def test_every_rule_has_keep_examples():
    assert [rule.id for rule in RULES if not rule.keep] == []


def test_required_kinds_are_covered():
    kinds = {rule.kind for rule in RULES}
    assert {"mobile_banner", "toolbar", "share", "player", "meta", "related", "disclaimer", "sharing_banner",
            "copyright", "nav", "spam", "toc", "title_repeat", "keywords", "journal_codes", "counter"} <= kinds


def test_related_heading_takes_the_titles_after_it():
    body = "正文第一段，讲了一件事。\n相关新闻\n某地召开党建工作会议\n某某同志调研基层党建"
    cleaned = clean_text(body)
    assert cleaned.text == "正文第一段，讲了一件事。"
    assert [r.kind for r in cleaned.removed] == ["related"] * 3


def test_toc_takes_entries_ending_in_page_numbers_only():
    body = "目录\n一、总体要求 2\n二、主要任务 5\n一、总体要求\n坚持以人民为中心的发展思想。"
    assert clean_text(body).text == "一、总体要求\n坚持以人民为中心的发展思想。"


def test_traditional_and_fullwidth_lines_match_simplified_ascii_patterns():
    cleaned = clean_text("分享到：\n【字號 大 中 小】\n京ICP備05070218號")
    assert cleaned.text == ""
    assert {r.kind for r in cleaned.removed} == {"share", "toolbar", "copyright"}


def _write_rule(folder: Path, body: str) -> None:
    (folder / "50_bad.toml").write_text(body, encoding="utf-8")


def test_bad_regex_names_file_and_rule(tmp_path):
    _write_rule(tmp_path, "[[rule]]\nid='x.bad'\nkind='toolbar'\npattern='(unclosed'\nreason='r'\nexample='e'\n")
    with pytest.raises(RuleError, match=r"50_bad\.toml: rule 'x\.bad': bad pattern regex"):
        load_rules_from(tmp_path)


def test_missing_fields_and_unknown_shape_are_rejected(tmp_path):
    _write_rule(tmp_path, "[[rule]]\nid='x.nofields'\nkind='toolbar'\npattern='a'\n")
    with pytest.raises(RuleError, match="missing reason, example"):
        load_rules_from(tmp_path)
    _write_rule(tmp_path, "[[rule]]\nid='x.shape'\nkind='k'\nshape='zigzag'\nreason='r'\nexample='e'\n")
    with pytest.raises(RuleError, match="unknown shape 'zigzag'"):
        load_rules_from(tmp_path)


def test_missing_lexicon_is_rejected(tmp_path):
    _write_rule(tmp_path, "[[rule]]\nid='x.lex'\nkind='spam'\nlexicon='nope.txt'\nreason='r'\nexample='e'\n")
    with pytest.raises(RuleError, match="lexicon file 'nope.txt' not found"):
        load_rules_from(tmp_path)
