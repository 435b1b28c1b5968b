"""Link discovery on listing and article pages: CMS pagination (TRS createPageHTML, 下一页) and attachments."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from scrapy.http import TextResponse

# TRS/WCM sites write their pager in JavaScript: createPageHTML(pageCount, currentPage, "index", "html"), where
# page 0 is index.html and page i is index_i.html.
TRS_PAGER_RE = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w-]+)["']\s*,\s*["'](\w+)["']""")
NEXT_LABELS = ("下一页", "下页", "下一頁", "next")
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd")
# an extension followed by the end of the path (quote, query, fragment, whitespace or an escaped quote)
_ATTACHMENT_HINT = re.compile(rb"\.(?:pdf|docx?|wps|xlsx?|et|ofd)(?:[\"'?#\s>\\]|&quot;|&#3[49];)", re.IGNORECASE)


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
    for a in response.xpath("//a[@href]"):
        label = " ".join(a.xpath(".//text()").getall()).strip().lower()
        if not any(label == n or label.startswith(n) for n in NEXT_LABELS):
            continue
        url = urljoin(response.url, a.attrib["href"].strip())
        if urlsplit(url).scheme in ("http", "https"):
            out.append(url)
    return out


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
