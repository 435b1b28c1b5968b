"""The normal form that is hashed, and the fingerprint."""

from __future__ import annotations

from corpus import normalize_text, text_hash
from corpus.normalize import match_key


def test_traditional_becomes_simplified_and_widths_fold_but_chinese_punctuation_stays():
    assert normalize_text("黨建引領　“千萬工程”，強村富民。ＡＢＣ１２３") == "党建引领 “千万工程”，强村富民。ABC123"


def test_whitespace_collapses_and_blank_lines_go():
    assert normalize_text("  第一段\t\t正文  \n\n\n 第二段 ") == "第一段 正文\n第二段"


def test_same_text_in_both_scripts_hashes_alike():
    assert text_hash(normalize_text("發布時間")) == text_hash(normalize_text("发布时间"))
    assert len(text_hash("")) == 64


def test_match_key_folds_punctuation_for_rules():
    assert match_key("發布時間：2024年（一）") == "发布时间:2024年(一)"
