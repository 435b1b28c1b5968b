"""Templates put the seed-style junk into the page and report exactly what they put there."""

from __future__ import annotations

import re
from html import unescape

import pytest

from replica import ARTICLES, JUNK, junk_for, render_article
from replica.chrome import collect_junk, pick_related

BY_ID = {a.id: a for a in ARTICLES}


def visible_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "\n", html))


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: str(a.id))
def test_every_recorded_junk_string_is_on_the_page(article):
    page = render_article(article)
    text = visible_text(page.html)
    assert page.junk, "every template inserts some junk"
    for junk in page.junk:
        assert junk in text, junk
    for paragraph in article.paragraphs:
        assert paragraph in text
    assert page.encode().decode(article.encoding) == page.html


def test_junk_kinds_from_the_seeds_are_all_present():
    expected = [
        "手机版", "欢迎使用手机浏览", "手機版", "歡迎使用手機瀏覽",
        "打印 纠错", "打印 糾錯", "微信扫一扫 ×", "收听本文 00:00/00:00",
        "延伸阅读", "相关阅读", "延伸閱讀", "【字体：大 中 小】", "打印本页 关闭窗口",
    ]
    for junk in expected:
        assert junk in JUNK, junk
    assert any(j.startswith("本文内容由互联网用户自发贡献") for j in JUNK)
    assert any(re.fullmatch(r"如若转载,请注明出处:https://\S+\.html", j) for j in JUNK)
    assert any(re.fullmatch(r"《.+\.docx》由会员分享,可在线阅读,更多相关《.+\.docx\(\d+页珍藏版\)》请在课桌文档上搜索。", j) for j in JUNK)
    assert any(j.startswith("版权所有") and "ICP备" in j for j in JUNK)
    assert any(j.startswith("索引号：") for j in JUNK) and any(j.startswith("发文字号：青组通") for j in JUNK)
    spam = [j for j in JUNK if "百家乐" in j or "午夜" in j]
    assert len(spam) >= 2 and all(j.count("|") >= 3 or j.count(",") >= 3 for j in spam)


def test_meta_line_carries_the_article_facts_in_page_script():
    simplified = junk_for(BY_ID[2402])
    assert "发布时间：2024年01月19日 13:10 来源：中国组织人事报 作者：林晓东 编辑：田雨" in simplified
    traditional = next(a for a in ARTICLES if a.script == "traditional" and a.chrome == "party")
    # Character-level conversion like the 繁體 mirrors in seed 002: 發布時間, not phrase-level 發佈時間.
    meta = [j for j in junk_for(traditional) if j.startswith("發布時間：")]
    assert len(meta) == 1 and f"來源：{traditional.publisher}" in meta[0]


def test_gov_page_has_info_box_and_indented_paragraphs():
    article = BY_ID[2411]
    page = render_article(article)
    assert "发文字号：青组通〔2024〕18号" in page.junk
    assert "发文机关：青山县委组织部" in page.junk
    assert f"<p>　　{article.paragraphs[0]}</p>" in page.html


def test_charset_declarations():
    header_variant = BY_ID[2411]
    meta_only = BY_ID[2305]
    assert 'content="text/html; charset=gbk"' in render_article(header_variant).html
    assert '<meta charset="gbk">' in render_article(meta_only).html
    assert '<meta charset="utf-8">' in render_article(BY_ID[2402]).html


def test_related_titles_link_to_real_articles():
    article = BY_ID[2402]
    related = pick_related(article, ARTICLES)
    assert 2 <= len(related) <= 4 and article not in related
    html = render_article(article).html
    for other in related:
        assert f'href="{other.path}"' in html


def test_collect_junk_matches_module_constant():
    assert collect_junk(ARTICLES) == JUNK
    assert len(JUNK) == len(set(JUNK))
