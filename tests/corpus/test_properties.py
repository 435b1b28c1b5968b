"""Properties that hold for any input: never raises, never grows the text, idempotent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import clean_text, extract_page, normalize_text
from corpus.rules import load_rules

# Real junk examples and keep lines mixed with arbitrary text, so the search reaches the rules' edges.
SAMPLES = [rule.example for rule in load_rules()] + [line for rule in load_rules() for line in rule.keep] + [
    "1、坚持党建引领，", "2、推动乡村振兴。", "3、", "規(guī)劃", "目录", "延伸阅读", "一、总体要求", "12、继续",
]
LINE = st.one_of(st.sampled_from(SAMPLES), st.text(max_size=40),
                 st.text(alphabet="、，。：:|1234567890 党建引领手机版打印目录\u3000\t()（）guī", max_size=20))
BODY = st.lists(LINE, max_size=25).map("\n".join)
TITLE = st.one_of(st.none(), st.sampled_from(SAMPLES), st.text(max_size=20))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(BODY, TITLE)
def test_clean_never_raises_and_never_grows(text, title):
    cleaned = clean_text(text, title=title)
    assert len(cleaned.text) <= len(text)


@SETTINGS
@given(BODY, TITLE)
def test_clean_is_idempotent(text, title):
    once = clean_text(text, title=title).text
    twice = clean_text(once, title=title)
    assert twice.text == once
    assert twice.removed == ()


@SETTINGS
@given(st.text(max_size=200))
def test_normalize_is_idempotent(text):
    assert normalize_text(normalize_text(text)) == normalize_text(text)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=500)), st.one_of(st.none(), st.text(max_size=30)))
def test_extract_page_never_raises(body, url):
    result = extract_page(body, url)
    assert isinstance(result.text, str)
    assert (result.text == "") == (result.reason is not None)
    assert not (result.reason or "").startswith("internal error")
