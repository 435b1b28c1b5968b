"""decode_html on real pages of the shared set, including pages whose <meta> lies about the charset."""

from __future__ import annotations

import pytest

from corpus import decode_html


def test_every_dev_page_decodes_with_its_true_encoding(manifest, extraction_dir):
    wrong = []
    for rec in manifest:
        text, encoding = decode_html((extraction_dir / rec["html"]).read_bytes())
        if encoding != rec["encoding"]:
            wrong.append((rec["id"], encoding, rec["encoding"]))
    assert wrong == []


def test_pages_declaring_gb2312_but_saved_as_utf8(manifest, extraction_dir):
    liars = [r for r in manifest if r.get("charset_declared") == "gb2312" and r["encoding"] == "utf-8"]
    assert len(liars) >= 3  # this half of the set holds 5 of the 8 described in the README
    for rec in liars:
        raw = (extraction_dir / rec["html"]).read_bytes()
        text, encoding = decode_html(raw, http_charset="gb2312")
        assert encoding == "utf-8"
        assert text == raw.decode("utf-8")


def test_gbk_pages_with_a_few_broken_bytes_still_use_the_declared_charset(manifest, extraction_dir):
    broken = [r for r in manifest if r["id"] in ("cwced-6dc2d508", "cwced-b70f455d")]
    assert broken  # one of the two README mentions is in this half
    for rec in broken:
        text, encoding = decode_html((extraction_dir / rec["html"]).read_bytes())
        assert encoding == "gb18030"
        assert 0 < text.count("\ufffd") <= 12


def test_order_override_then_bom_then_utf8_then_declared():
    gbk = "<meta charset=gb2312><p>党建引领乡村振兴</p>".encode("gbk")
    assert decode_html(gbk) == (gbk.decode("gb18030"), "gb18030")
    assert decode_html(gbk, http_charset="GBK")[1] == "gb18030"
    assert decode_html(gbk, override="latin-1")[1] == "iso8859-1"
    bom = "\ufeff<p>中文</p>".encode()
    assert decode_html(bom) == ("<p>中文</p>", "utf-8-sig")
    utf8 = "<meta charset=gb2312><p>中文</p>".encode()
    assert decode_html(utf8, http_charset="gb2312") == (utf8.decode(), "utf-8")


def test_undeclared_gbk_is_guessed():
    body = ("<html><body><p>" + "中国共产党第二十次全国代表大会报告全文。" * 20 + "</p></body></html>").encode("gbk")
    text, encoding = decode_html(body)
    assert "中国共产党" in text and encoding in ("gb18030", "gbk", "gb2312")


@pytest.mark.parametrize("body", [b"", b"\xff\xfe\x00", bytes(range(256)) * 4, b"\x81" * 1000])
def test_never_raises(body):
    text, encoding = decode_html(body, http_charset="no-such-charset", override="nor-this")
    assert isinstance(text, str) and encoding


def test_declared_utf8_with_damaged_bytes_stays_utf8_not_mojibake() -> None:
    body = '<meta charset="utf-8"><p>这一段文字之后混入了无效字节：'.encode() + b"\xff\xfe\xc3(\xa0" \
        + "，之后又恢复正常。".encode()
    text, encoding = decode_html(body, http_charset="utf-8")
    assert encoding == "utf-8" and "之后又恢复正常" in text and "\ufffd" in text


def test_gbk_page_that_claims_utf8_is_read_as_gbk() -> None:
    body = '<meta charset="utf-8"><p>党建引领乡村振兴，千万工程经验交流材料。</p>'.encode("gbk")
    text, encoding = decode_html(body, http_charset="utf-8")
    assert encoding == "gb18030" and "党建引领乡村振兴" in text
