"""The normal form that is hashed, and the fingerprint."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from corpus import normalize_text, text_hash
from corpus.normalize import match_key, nfkc


def test_traditional_becomes_simplified_and_widths_fold_but_chinese_punctuation_stays():
    assert normalize_text("黨建引領　“千萬工程”，強村富民。ＡＢＣ１２３") == "党建引领 “千万工程”，强村富民。ABC123"


def test_whitespace_collapses_and_blank_lines_go():
    assert normalize_text("  第一段\t\t正文  \n\n\n 第二段 ") == "第一段 正文\n第二段"


def test_same_text_in_both_scripts_hashes_alike():
    assert text_hash(normalize_text("發布時間")) == text_hash(normalize_text("发布时间"))
    assert len(text_hash("")) == 64


def test_match_key_folds_punctuation_for_rules():
    assert match_key("發布時間：2024年（一）") == "发布时间:2024年(一)"


# Fullwidth marks, compatibility forms, combining sequences (composed by NFKC), and characters beyond the BMP.
_NFKC_ALPHABET = st.sampled_from(list("，。：；！？（）　ＡＢ１２ａ⿂㈱ｶﾞﾟ…—①½ﬁe\u0301\u0327a\u3099か\u1100\u1161中文 ,.") +
                                 ["𝐀", "\U0002f800", "\u212b", "\u0344"])


@given(st.lists(_NFKC_ALPHABET, max_size=40).map("".join))
def test_nfkc_equals_unicodedata(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)
