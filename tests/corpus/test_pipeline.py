"""extract_page end to end: real pages, page-level metadata, and input that must not break it."""

from __future__ import annotations

import time

import pytest

from corpus import EXTRACTOR_VERSION, extract_page, normalize_text, text_hash

ARTICLE = """<html><head><meta charset="gb2312"><title>党建引领乡村振兴_党建频道_示例网</title>
<meta name="PubDate" content="2024-01-19"><meta name="publishdate" content="2024-01-19 13:10">
<link rel="canonical" href="/dangjian/2024/0119/c1.html"></head><body>
<div class="nav">首页 &gt; 党建 &gt; 正文</div>
<h1>党建引领乡村振兴</h1>
<div class="info">发布时间：2024年01月19日 13:10 来源：中国组织人事报 编辑：田延华</div>
<div class="content">
<p>今年是浙江省实施“千万工程”的第21个年头。在习近平总书记擘画的蓝图指引下，“千万工程”深刻改变了浙江农村的面貌。</p>
<p>近些年来，浙江省坚持党的建设与“千万工程”一体推进，把巩固党的执政基础作为根本指向，把发挥党的组织优势作为关键抓手。</p>
<p>浙江省树立鲜明导向推动赛马争先，每年开展乡村振兴实绩考核，连续12年开展市县乡党委书记抓基层党建述职评议考核。</p>
</div>
<div class="footer">版权所有 示例网 京ICP备05070218号</div>
</body></html>"""


def test_article_page_gives_text_metadata_and_fingerprint():
    result = extract_page(ARTICLE.encode("gbk"), "http://www.example.cn/dangjian/2024/0119/c1.html")
    assert result.encoding == "gb18030"
    assert result.reason is None
    assert result.text.startswith("今年是浙江省实施“千万工程”的第21个年头。")
    assert "版权所有" not in result.text and "首页" not in result.text
    assert result.metadata.published == "2024-01-19T13:10:00+08:00"
    assert result.metadata.publisher == "中国组织人事报"
    assert result.canonical_url == "http://www.example.cn/dangjian/2024/0119/c1.html"
    assert result.text_norm == normalize_text(result.text)
    assert result.hash == text_hash(result.text_norm)
    assert EXTRACTOR_VERSION


def test_real_dev_pages_extract(manifest, extraction_dir):
    for rec in [r for r in manifest if r["lang"] == "zh"][:10]:
        result = extract_page((extraction_dir / rec["html"]).read_bytes(), rec.get("url"))
        assert result.text, rec["id"]
        assert result.encoding == rec["encoding"]


def test_url_date_is_used_when_the_page_shows_none():
    html = "<html><body><article>" + "<p>这是一段足够长的正文内容，用来测试抽取。</p>" * 10 + "</article></body></html>"
    assert extract_page(html, "http://x.gov.cn/art/2023/6/1/202306/t20230601_9.html").metadata.published == "2023-06-01"
    assert extract_page(html, "http://x.gov.cn/art/x.html").metadata.published is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty input"),
        ("", "empty input"),
        (b"   \n ", "empty input"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "binary content"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary content"),
        (b"\x00\x01\x02\x03" * 100, "binary content"),
        (b"<html><body><script>var a=1;</script></body></html>", "no main text"),
    ],
)
def test_unusable_input_gives_empty_text_and_a_reason(body, reason):
    result = extract_page(body)
    assert (result.text, result.reason) == ("", reason)


def test_ten_megabyte_page_finishes_in_bounded_time():
    paragraph = "<p>坚持党建引领，推动乡村全面振兴，这是新时代做好三农工作的根本遵循。</p>\n"
    body = ("<html><body><div>" + paragraph * (10_000_000 // len(paragraph.encode())) + "</div></body></html>").encode()
    assert len(body) >= 9_900_000
    start = time.perf_counter()
    result = extract_page(body)
    assert time.perf_counter() - start < 60
    assert result.text.startswith("坚持党建引领")
