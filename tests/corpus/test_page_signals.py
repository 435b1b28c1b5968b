"""Page-level signals: named teaser regions, closing link boxes, datelines around the text, date merging."""

from __future__ import annotations

import os
import subprocess
import sys

from corpus import clean_text, extract_page
from corpus.clean import metadata_of
from corpus.dates import parse_date
from corpus.extract import parse_html
from corpus.metadata import lead_date, merge_metadata
from corpus.types import Metadata

BODY = "".join(f"<p>第{i}段正文，讲述乡村振兴的新进展和新成效，内容充实。</p>" for i in range(6))


def test_named_teaser_region_goes_but_an_article_so_named_stays():
    page = f'<html><body><div id="content">{BODY}</div><div class="xgxw"><p>某地召开党建工作会议暨表彰大会</p></div></body></html>'
    tree = parse_html(page)
    assert "党建工作会议" not in tree.text_content() and "第0段" in tree.text_content()
    whole = f'<html><body><div class="tuijian">{BODY}</div></body></html>'  # most of the page: the article
    assert "第0段" in parse_html(whole).text_content()


def test_closing_link_box_goes_attachments_stay():
    body = "正文第一段，讲了一件事。\n工作动态\n某地召开党建会议\n某镇开展主题党日\n某村完成换届"
    links = frozenset({"某地召开党建会议", "某镇开展主题党日", "某村完成换届", "附件:实施方案.docx"})
    cleaned = clean_text(body, links=links)
    assert cleaned.text == "正文第一段，讲了一件事。\n工作动态"
    assert {r.rule for r in cleaned.removed} == {"related.link_tail"}
    notice = "正文第一段，讲了一件事。\n附件:实施方案.docx\n某地召开党建会议\n某镇开展主题党日"
    assert clean_text(notice, links=links).text == notice  # two links after an attachment: no box


def test_datelines_above_the_text_and_labelled_ones_below():
    assert metadata_of(["2022年02月13日"], datelines=True).published == "2022-02-13"
    assert metadata_of(["2022年02月13日"]).published is None  # under a text a lone date is its signature
    assert metadata_of(["深海余烬3160字2022年07月10日 07:15"], datelines=True).published == "2022-07-10T07:15:00+08:00"
    assert metadata_of(["posted @ 2024-05-09 14:45 某某 阅读(12)"], labelled_dates=True).published == \
        "2024-05-09T14:45:00+08:00"
    assert metadata_of(["于 2024-05-06 15:47:53 发布"]).published == "2024-05-06T15:47:53+08:00"


def test_lead_glued_and_merged_dates():
    assert lead_date("【看中国2005年07月03日报道】一九八九年四月，我在湖南开会。") == "2005-07-03"
    assert lead_date("2005年7月3日，我在湖南开会。") is None  # a sentence, not a dateline
    assert parse_date("2005.08.2605:39") == "2005-08-26T05:39:00+08:00"
    day = Metadata(published="2005-08-26")
    assert merge_metadata(day, Metadata(published="2005-08-26T05:39:00+08:00")).published == \
        "2005-08-26T05:39:00+08:00"
    assert merge_metadata(day, Metadata(published="2005-08-25T05:39:00+08:00")).published == "2005-08-26"


def test_info_box_placeholder_is_no_value():
    assert "doc_number" not in metadata_of(["发文字号：无 成文日期：2024年03月08日"]).extra


def test_interview_turn_is_text_not_a_byline():
    text = "记者：你们的农机大市场场址在哪？\n答：就在县城东边。"
    assert clean_text(text).text == text


def test_extract_page_carries_pieces_and_the_extracted_text():
    toc = "<p>目录</p><p>1.抓实党建引领 2</p><p>2.打造雁阵队伍 5</p>"
    parts = "".join(f"<p>{t}</p><p>{t}的正文内容，讲述了一个县的具体做法和成效。</p>" for t in ("抓实党建引领", "打造雁阵队伍"))
    page = f"<html><body><article><h1>汇编</h1>{toc}{parts}</article></body></html>".encode()
    result = extract_page(page)
    assert [p.title for p in result.pieces] == ["抓实党建引领", "打造雁阵队伍"]
    assert "目录" in result.extracted and "目录" not in result.text


def test_author_tag_choice_does_not_depend_on_the_hash_seed():
    page = ('<html><head><meta name="author" content="sina_mobile">'
            '<meta property="article:author" content="上海证券报网络版"></head>'
            '<body><p>正文第一段，讲了一件事。</p></body></html>')
    code = ("from corpus.extract import extract_main; "
            f"print(extract_main({page!r}).author)")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in range(6)}
    assert seen == {"上海证券报网络版"}
