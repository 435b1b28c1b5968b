"""Turn fetched page bytes into text, trusting bytes over the charset a page claims."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Chinese sites label GBK/GB18030 pages "gb2312"; gb18030 is a superset of all of them, so decoding never loses text.
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030", "csgb2312": "gb18030",
          "hz-gb-2312": "gb18030", "big5": "big5hkscs", "cp936": "gb18030", "ms936": "gb18030"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 4096
_GUESS_BYTES = 200_000  # charset-normalizer is slow on whole multi-megabyte pages; a prefix is plenty to guess from
_MAX_BAD_SHARE = 0.01
_MAX_BROKEN_UTF8 = 0.25  # damaged sequences per valid non-ASCII character still read as UTF-8
_MAX_BROKEN_DECLARED_UTF8 = 1.0  # the same when the page itself says UTF-8  # a declared charset is still right when a handful of bytes in the original file were broken


def decode_html(body: bytes, http_charset: str | None = None, override: str | None = None) -> tuple[str, str]:
    """Decode page bytes, returning (text, encoding used); never raises.

    Order: override > BOM > strict UTF-8 > declared charset (HTTP, then <meta>) > UTF-8 with a few broken bytes >
    charset-normalizer > gb18030.
    Strict UTF-8 comes before the declared charset because many Chinese pages were re-saved as UTF-8 while their
    <meta> still says gb2312; random GBK bytes practically never form valid UTF-8, so the check is safe.
    """
    if not body:
        return "", "utf-8"
    for attempt in (_by_override, _by_bom, _by_strict_utf8, _by_declared, _by_lenient_utf8, _by_guess):
        found = attempt(body, http_charset, override)
        if found is not None:
            return found
    return body.decode("gb18030", errors="replace"), "gb18030"


def canonical_charset(name: str | None) -> str | None:
    """Python codec name for a charset label, widened for Chinese legacy labels; None when unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _WIDEN.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return _WIDEN.get(codec, codec)


def declared_charset(body: bytes) -> str | None:
    """The charset a page's own <meta> declares (raw label), if any."""
    match = _META_CHARSET.search(body[:_SNIFF_BYTES])
    return match.group(1).decode("ascii", "ignore") if match else None


def _by_override(body: bytes, _http: str | None, override: str | None) -> tuple[str, str] | None:
    encoding = canonical_charset(override)
    if encoding is None:
        return None
    return body.decode(encoding, errors="replace"), encoding


def _by_bom(body: bytes, _http: str | None, _override: str | None) -> tuple[str, str] | None:
    if body.startswith(codecs.BOM_UTF8):
        return body.decode("utf-8-sig", errors="replace"), "utf-8-sig"
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(encoding, errors="replace"), encoding
    return None


def _by_strict_utf8(body: bytes, _http: str | None, _override: str | None) -> tuple[str, str] | None:
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return None


def _by_declared(body: bytes, http: str | None, _override: str | None) -> tuple[str, str] | None:
    for label in (http, declared_charset(body)):
        encoding = canonical_charset(label)
        if encoding is None or encoding == "utf-8":  # utf-8 already failed strictly
            continue
        text = body.decode(encoding, errors="replace")
        if text.count("\ufffd") <= max(2, len(text) * _MAX_BAD_SHARE):
            return text, encoding
    return None


def _by_lenient_utf8(body: bytes, http: str | None, _override: str | None) -> tuple[str, str] | None:
    """UTF-8 with some corrupt bytes; gb18030 would 'decode' it without error, but as mojibake.

    GBK bytes almost never form valid multi-byte UTF-8, so a GBK page read this way is mostly U+FFFD, while real
    UTF-8 with damaged bytes is mostly valid characters. A page that declares UTF-8 gets more benefit of the doubt.
    """
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - bad  # non-ASCII characters, counted in C
    declared = "utf-8" in {canonical_charset(http), canonical_charset(declared_charset(body))}
    if bad <= max(2, valid * (_MAX_BROKEN_DECLARED_UTF8 if declared else _MAX_BROKEN_UTF8)):
        return text, "utf-8"
    return None


def _by_guess(body: bytes, _http: str | None, _override: str | None) -> tuple[str, str] | None:
    try:
        best = from_bytes(body[:_GUESS_BYTES]).best()
    except Exception:  # noqa: BLE001 - a guesser failure must not stop decoding; the gb18030 fallback follows
        return None
    encoding = canonical_charset(best.encoding) if best is not None else None
    if encoding is None:
        return None
    return body.decode(encoding, errors="replace"), encoding


_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf",
                 b"\xd0\xcf\x11\xe0", b"RIFF", b"\x00\x00\x01\x00", b"OggS", b"ID3", b"fLaC", b"wOFF", b"wOF2")


def looks_binary(body: bytes) -> bool:
    """True for files that are not text at all (PDF, images, archives, Office): no HTML to extract from them."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return False
    head = body[:1024]
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head
