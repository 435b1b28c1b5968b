"""Dates and meta-line fields as Chinese pages write them."""

from __future__ import annotations

import pytest

from corpus.dates import date_from_url, parse_date
from corpus.metadata import merge_metadata, metadata_from_lines, parse_meta_line
from corpus.types import Metadata


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024年01月19日 13:10", "2024-01-19T13:10:00+08:00"),
        ("2024-01-19 13:10:00", "2024-01-19T13:10:00+08:00"),
        ("2024/1/19", "2024-01-19"),
        ("二〇二四年一月十九日", "2024-01-19"),
        ("二〇二三年十二月三十一日", "2023-12-31"),
        ("2024-05-13T10:22:01+0800", "2024-05-13T10:22:01+08:00"),
        ("2024-05-13T02:22:01Z", "2024-05-13T02:22:01+00:00"),
        ("发布时间：2024年5月3日", "2024-05-03"),
        ("2024-13-45", None),
        ("共有1999人参加", None),
        ("", None),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("url", "iso"),
    [
        ("http://www.example.gov.cn/2024/01/19/article.html", "2024-01-19"),
        ("http://news.china.com.cn/2024-01/19/content_117184963.shtml", "2024-01-19"),
        ("https://www.gov.cn/zhengce/content/202401/t20240119_6927012.htm", "2024-01-19"),
        ("http://www.example.cn/xxgk/t20240119_123.html", "2024-01-19"),
        ("http://politics.people.com.cn/n1/2024/0119/c1001-40223222.html", "2024-01-19"),
        ("http://www.he.news.cn/20240515/d59c39d4/c.html", "2024-05-15"),
        ("https://www.example.com/about/", None),
        (None, None),
    ],
)
def test_date_from_url(url, iso):
    assert date_from_url(url) == iso


def test_several_fields_share_one_line_in_traditional_script():
    line = "發布時間:2024年01月19日 13:10 來源:中國組織人事報 編輯:田延華 打印"
    meta = metadata_from_lines([line])
    assert (meta.published, meta.publisher, meta.editor) == ("2024-01-19T13:10:00+08:00", "中國組織人事報", "田延華")


def test_simplified_fullwidth_labels_and_author():
    meta = metadata_from_lines(["来源：人民日报　作者：张三　责任编辑：李四"])
    assert (meta.publisher, meta.author, meta.editor) == ("人民日报", "张三", "李四")
    assert metadata_from_lines(["（责任编辑：  黄帅  ）"]).editor == "黄帅"


def test_gov_info_box_goes_to_extra():
    line = ("索引号：000014349/2024-00012 主题分类：组织人事 发文机关：中共中央组织部 "
            "成文日期：2024年01月05日 发文字号：组通字〔2024〕1号 发布日期：2024年01月08日")
    meta = metadata_from_lines([line])
    assert meta.extra == {"index_no": "000014349/2024-00012", "topic": "组织人事", "issuing_agency": "中共中央组织部",
                          "written_date": "2024年01月05日", "doc_number": "组通字〔2024〕1号"}
    assert meta.published == "2024-01-08"


def test_no_date_on_the_page_means_none():
    assert metadata_from_lines(["来源：新华社"]).published is None
    assert parse_meta_line("编辑：王五") == {"editor": "王五"}


def test_merge_prefers_a_time_over_a_bare_date_and_fills_gaps():
    visible = Metadata(published="2024-01-19", publisher="人民网")
    tags = Metadata(title="标题", published="2024-01-19T13:10:00+08:00", publisher="别的", author="张三")
    merged = merge_metadata(visible, tags, Metadata(published="2024-01-18"))
    assert merged == Metadata(title="标题", published="2024-01-19T13:10:00+08:00", publisher="人民网", author="张三")


def test_spaced_info_box_labels_and_midnight_means_no_time():
    meta = metadata_from_lines(["索 引 号： 11220000013544357T/2022-00426 分 类： 环境监测、保护与治理;通告",
                                "发布日期： 2022-01-28 00:00:00"])
    assert meta.extra == {"index_no": "11220000013544357T/2022-00426", "topic": "环境监测、保护与治理;通告"}
    assert meta.published == "2022-01-28"


def test_gov_page_info_box_above_the_text_reaches_metadata(manifest, extraction_dir):
    from corpus import extract_page

    rec = next(r for r in manifest if r["id"] == "cwced-e8847578")  # jl.gov.cn notice with an info-box table
    result = extract_page((extraction_dir / rec["html"]).read_bytes())
    assert result.metadata.extra.get("doc_number") == "吉政明电〔2022〕1号"
    assert result.metadata.extra.get("issuing_agency") == "吉林省人民政府"
    assert "为做好吉林省嫩江干流补充治理工程建设" in result.text
