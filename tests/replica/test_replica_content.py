"""The article data meets the brief: enough articles, scripts, encodings, realistic sizes, no junk inside."""

from __future__ import annotations

import opencc

from replica import ARTICLES, JUNK


def test_enough_articles_over_several_years():
    assert len(ARTICLES) >= 24
    assert {a.year for a in ARTICLES} >= {2023, 2024, 2025}
    assert len({a.id for a in ARTICLES}) == len(ARTICLES)
    assert len({a.path for a in ARTICLES}) == len(ARTICLES)


def test_paths_and_years_agree():
    for a in ARTICLES:
        assert a.path == f"/art/{a.year}/{a.id}.html"
        assert a.published.startswith(str(a.year))
        assert a.published.endswith("+08:00")
        assert a.published_at.utcoffset().total_seconds() == 8 * 3600


def test_realistic_sizes():
    for a in ARTICLES:
        assert 4 <= len(a.paragraphs) <= 12, a.id
        assert 600 <= len(a.body) <= 2500, a.id
        assert a.body == "\n".join(a.paragraphs)
        assert all(p == p.strip() and p for p in a.paragraphs), a.id


def test_scripts_encodings_and_variety():
    traditional = [a for a in ARTICLES if a.script == "traditional"]
    gbk = [a for a in ARTICLES if a.encoding == "gbk"]
    assert len(traditional) >= 4
    assert len(gbk) >= 2
    assert {a.header_charset for a in gbk} == {True, False}
    assert len({a.publisher for a in ARTICLES}) >= 6
    assert len({a.author for a in ARTICLES if a.author}) >= 8
    assert len({a.editor for a in ARTICLES if a.editor}) >= 6
    assert any(a.author is None for a in ARTICLES) and any(a.editor is None for a in ARTICLES)
    assert {a.chrome for a in ARTICLES} == {"party", "gov", "docshare", "repost"}


def test_traditional_articles_really_are_traditional():
    t2s = opencc.OpenCC("t2s")
    for a in ARTICLES:
        converted = t2s.convert(a.body)
        if a.script == "traditional":
            assert converted != a.body, a.id
        else:
            assert converted == a.body, a.id


def test_gbk_articles_are_encodable():
    for a in ARTICLES:
        if a.encoding == "gbk":
            (a.title + a.body + a.publisher).encode("gbk")


def test_numbered_lists_survive_in_data():
    bodies = "\n".join(a.body for a in ARTICLES)
    assert "\n1. " in bodies and "\n2. " in bodies
    assert "\n一、" in bodies and "\n二、" in bodies


def test_no_body_contains_junk():
    # The e2e tests assert no JUNK string is in an archived body; that only means something if the
    # originals are clean.
    for a in ARTICLES:
        for junk in JUNK:
            assert junk not in a.body, (a.id, junk)
