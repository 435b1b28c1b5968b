"""Link discovery on listing and article pages: CMS pagination (TRS createPageHTML, 下一页) and attachments."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse, urlsplit

from lxml import etree
from scrapy.http import TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

# TRS/WCM sites write their pager in JavaScript: createPageHTML(pageCount, currentPage, "index", "html"), where
# page 0 is index.html and page i is index_i.html.
TRS_PAGER_RE = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w-]+)["']\s*,\s*["'](\w+)["']""")
NEXT_LABELS = ("下一页", "下页", "下一頁", "next")
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd")
# an extension followed by the end of the path (quote, query, fragment, whitespace or an escaped quote)
_ATTACHMENT_HINT = re.compile(rb"\.(?:pdf|docx?|wps|xlsx?|et|ofd)(?:[\"'?#\s>\\]|&quot;|&#3[49];)", re.IGNORECASE)

# What scrapy's LinkExtractor() scans and keeps by default: <a>/<area> href (its _nons() also takes them in the XHTML
# namespace of an XML document), URLs whose scheme is one of _LINK_SCHEMES (its _is_valid_url) and whose urlparse()
# path does not end in one of IGNORED_EXTENSIONS (pdf, doc(x), xls(x), images, archives ...: a listing does not
# follow those; attachments are found on article pages by attachment_links).
_XHTML = "{http://www.w3.org/1999/xhtml}"
_LINK_TAGS = ("a", "area", f"{_XHTML}a", f"{_XHTML}area")
_LINK_SCHEMES = frozenset({"http", "https", "file", "ftp"})
_IGNORED_SUFFIXES = tuple(f".{e}" for e in IGNORED_EXTENSIONS)
# a superset of the <a> whose label next_links accepts, found in one pass: every label it accepts holds '下' or, once
# lower-cased, 'next' (and only ASCII N/E/X/T lower-case to n/e/x/t); the exact test then runs on these few
_NEXT_CANDIDATES = etree.XPath("//a[@href][contains(., '下') or contains(translate(., 'NEXT', 'next'), 'next')]",
                               smart_strings=False)
_TEXTS = etree.XPath(".//text()", smart_strings=False)
URL_CACHE_SIZE = 1 << 16


def trs_next_page(response: TextResponse) -> str | None:
    """The next listing page announced by a TRS createPageHTML(...) call, or None on the last page."""
    m = TRS_PAGER_RE.search(response.text)
    if not m:
        return None
    count, current, prefix, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
    if current + 1 >= count:
        return None
    return urljoin(response.url, f"{prefix}_{current + 1}.{ext}")


def next_links(response: TextResponse) -> list[str]:
    """Targets of 下一页 / next links (http(s) only: javascript: pagers are handled by trs_next_page)."""
    out = []
    for a in _NEXT_CANDIDATES(response.selector.root):
        label = " ".join(_TEXTS(a)).strip().lower()
        if not any(label == n or label.startswith(n) for n in NEXT_LABELS):
            continue
        url = urljoin(response.url, a.get("href").strip())
        if urlsplit(url).scheme in ("http", "https"):
            out.append(url)
    return out


class PageLinks:
    """The link URLs scrapy's LinkExtractor(unique=True) with default arguments finds on a page, as strings, in the
    same order: hrefs of <a> and <area>, whitespace-stripped, joined with the page's <base href>, percent-encoded in
    the page's encoding (safe_url_string; a link it or urljoin rejects is skipped), joined with the page URL, kept
    when the scheme is http, https, file or ftp and the path does not end in one of IGNORED_EXTENSIONS, first
    occurrence only.

    Cheaper than the LinkExtractor: no Link objects and no link texts (the spider reads neither), and one instance per
    crawl remembers how each href resolved, since listing pages repeat the same pager and navigation links page after
    page. An href is remembered per base *directory* only when RFC 3986 (5.2) makes its resolution independent of the
    rest of the base URL (see _resolves_in_directory) and the result is absolute; any other href is resolved afresh.
    """

    def __init__(self, cache_size: int = URL_CACHE_SIZE) -> None:
        self._cache_size = cache_size
        self._resolved: dict[tuple[str, ...], tuple[str, bool] | None] = {}  # -> (url, kept) or None: skipped

    def urls(self, response: TextResponse) -> list[str]:
        base_url, page_url, encoding = get_base_url(response), response.url, response.encoding
        base = urlsplit(base_url)
        directory = (base.scheme, base.netloc, base.path[: base.path.rfind("/") + 1], urlsplit(page_url).scheme,
                     encoding)
        resolved = self._resolved
        seen: set[str] = set()
        out = []
        for el in response.selector.root.iter(*_LINK_TAGS):
            href = el.get("href")
            if href is None:
                continue
            href = strip_html5_whitespace(href)
            key = (*directory, href)
            hit = resolved.get(key, _MISS)
            if hit is _MISS:
                hit, same_everywhere = _resolve(base_url, page_url, encoding, href)
                if same_everywhere and _resolves_in_directory(href):
                    if len(resolved) >= self._cache_size:
                        resolved.clear()
                    resolved[key] = hit
            if hit is None:
                continue
            url, kept = hit
            if url not in seen:
                seen.add(url)
                if kept:
                    out.append(url)
        return out


_MISS = object()


def _resolve(base_url: str, page_url: str, encoding: str, href: str) -> tuple[tuple[str, bool] | None, bool]:
    """LinkExtractor's resolution of one stripped href: ((url, kept) or None when skipped, whether the last join
    depended on the page URL's scheme alone (the link is absolute after percent-encoding))."""
    try:
        joined = urljoin(base_url, href)
    except ValueError:  # bogus link, e.g. an unbalanced IPv6 bracket
        return None, True
    try:
        encoded = safe_url_string(joined, encoding=encoding)
    except ValueError:
        return None, True
    parts = urlsplit(encoded)
    url = urljoin(page_url, encoded)
    return (url, _kept_link(url)), bool(parts.scheme and parts.netloc)


def _resolves_in_directory(href: str) -> bool:
    """True when urljoin(base, href) depends on the base URL only through its scheme, host and directory (the path up
    to its last '/'): an absolute http(s) URL with a host, or a reference with a non-empty path and no scheme or host
    (RFC 3986 5.2.2). Not so a query- or fragment-only reference, which takes the base's whole path, nor one starting
    with ';' (urljoin reads ';' as an empty path with empty parameters). Conservative: an href urlsplit would first
    clean (leading control characters, tabs or newlines) is not claimed."""
    if "\t" in href or "\n" in href or "\r" in href:
        return False
    if href.startswith(("http://", "https://")):
        return href.partition("//")[2][:1] not in ("", "/", "?", "#")
    return href[:1] > " " and href[0] not in "?#;" and href[:2] != "//" and ":" not in href.split("/", 1)[0]


def _kept_link(url: str) -> bool:
    return url.split("://", 1)[0] in _LINK_SCHEMES and not urlparse(url).path.lower().endswith(_IGNORED_SUFFIXES)


def may_link_attachments(body: bytes) -> bool:
    """Cheap screen before parsing a page for attachment links: most articles have none, and parsing every page in
    the crawl process costs more than everything else it does for that page."""
    return _ATTACHMENT_HINT.search(body) is not None


def attachment_links(response: TextResponse) -> list[tuple[str, str]]:
    """(url, link text) of document files linked from a page, in page order, without duplicates."""
    if not may_link_attachments(response.body):
        return []
    seen: set[str] = set()
    out = []
    for a in response.xpath("//a[@href]"):
        url = urljoin(response.url, a.attrib["href"].strip())
        path = urlsplit(url).path.lower()
        if urlsplit(url).scheme in ("http", "https") and path.endswith(ATTACHMENT_EXTENSIONS) and url not in seen:
            seen.add(url)
            out.append((url, " ".join(a.xpath(".//text()").getall()).strip()))
    return out
