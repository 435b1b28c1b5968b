"""Main text and page-level facts from decoded HTML: the one place trafilatura is called."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.metadata import extract_title
from trafilatura.utils import load_html

from corpus.dates import parse_date, specificity
from corpus.normalize import match_keys

logger = logging.getLogger(__name__)

# Chosen on the extraction dev set (benchmarks/extraction.py): favor_precision cuts the related-article lists and
# teasers trafilatura otherwise appends to short Chinese news pages; tables stay because many older Chinese sites
# lay the whole article out in <table>s. deduplicate=False keeps trafilatura's process-global LRU cache off, so
# the output for a page never depends on what this process saw before (dedup is the archive's job).
TRAFILATURA_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "favor_precision": True,
    "deduplicate": False,
    "with_metadata": False,  # its date guessing (htmldate + dateparser) was 2/3 of our time; dates are ours
    "output_format": "python",
}
_DATE_META_NAMES = frozenset({
    "article:published_time", "og:article:published_time", "og:published_time", "pubdate", "publishdate",
    "publish_date", "publish-date", "publishtime", "publish_time", "firstpublishedtime", "dc.date", "dc.date.issued",
    "dcterms.issued", "datepublished", "date", "sailthru.date", "parsely-pub-date", "article.published",
})
# In order of preference: tuples, not sets, so a page with several of them always gives the same value (a set's
# order changed with the process's hash seed). The article's own author tags come before the generic one, which
# portals fill with an account name (sina_mobile).
_SOURCE_META_NAMES = ("source", "contentsource", "article:publisher", "og:article:publisher")
_AUTHOR_META_NAMES = ("article:author", "dc.creator", "author")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# Cells are not blocks here: an info-box row (索引号： | 000014349/2024-00012) must stay one line.
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                     "article", "header", "footer", "ul", "ol", "table", "dd", "dt", "dl", "blockquote", "pre"})
_CELLS = frozenset({"td", "th"})
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title"})
_NON_BLANK_LINE = re.compile(r"\S[^\n]*")  # from the first visible character: no backtracking over blanks
_NAMED = etree.XPath("//*[@id or @class]")
_NAME_VALUES = etree.XPath("//@id | //@class", smart_strings=False)  # plain strings: no element proxies
_NAME_TOKEN = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_MAX_TEASER_SHARE = 0.5
_TAIL_LINES, _SHORT_LINE = 10, 40  # where and how short the lines of a closing link box are
_HEADER_LINES = 25  # datelines sit just above the article text; further up is navigation
_FOOTER_LINES = 20  # some sites put the dateline after the text (its related list, blog tags first); further is footer


@dataclass(frozen=True)
class PageFacts:
    """What the extractor found on one page before any cleaning."""

    text: str
    title: str | None = None
    published: str | None = None  # ISO, from <meta> tags; trafilatura's own guess only when the tags have none
    publisher: str | None = None
    author: str | None = None
    canonical_url: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    links: frozenset[str] = frozenset()  # texts of the page's links (match_key form), for the cleaner's link boxes


def parse_html(html: str) -> lxml_html.HtmlElement | None:
    """The page's tree without its named teaser regions, parsed once for every pass (trafilatura works on its
    own copy)."""
    tree = load_html(html)
    if tree is None:
        return None
    return drop_teasers(tree)


def extract_main(html: str | lxml_html.HtmlElement | None, url: str | None = None, *,
                 precise: bool = True) -> PageFacts:
    """Main text (one paragraph per line) plus title, date and canonical URL candidates found on the page.

    `precise=False` turns trafilatura's favor_precision off: the pipeline's second try when the precise pass
    left almost nothing (it sometimes keeps a gov page's info-box table instead of the document).
    """
    tree = parse_html(html) if isinstance(html, str) else html
    if tree is None:
        return PageFacts(text="")
    tags = _meta_tags(tree)
    canonical = _canonical(tree, url)
    try:
        document = trafilatura.bare_extraction(tree, url=url, **{**TRAFILATURA_OPTIONS, "favor_precision": precise})
    except Exception:  # noqa: BLE001 - trafilatura raises on odd trees; a page without text is a result, not a crash
        logger.warning("trafilatura failed on %s", url, exc_info=True)
        document = None
    text = _untable(document.text or "") if document is not None else ""
    return PageFacts(
        text=text,
        title=_clean_title(_page_title(tree)),
        published=_published_from_tags(tags),
        publisher=_first(tags, _SOURCE_META_NAMES),
        author=_first(tags, _AUTHOR_META_NAMES),
        canonical_url=canonical,
        meta=tags,
        links=_link_texts(tree) if _may_end_in_links(text) else frozenset(),
    )


def drop_teasers(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Remove (in place) the regions named as teaser/related lists (corpus/rules/teaser_containers.txt).

    trafilatura's own vocabulary is English; Chinese portals name these boxes in pinyin (xgxw 相关新闻, rmtj 热门推荐).
    A region holding half the page's text or more is the article whatever its name, and stays.
    """
    words = teaser_words()
    screen = _teaser_screen(words)
    if not screen.search(" ".join(_NAME_VALUES(tree)).lower()):
        return tree  # most pages name no region so; their ids and classes come back as strings, no element walk
    doomed = [element for element in _NAMED(tree) if element.tag not in ("html", "body")
              and screen.search(f"{element.get('id') or ''} {element.get('class') or ''}".lower())
              and words & _name_tokens(element)]
    if not doomed:
        return tree
    total = len(tree.text_content() or "")
    for element in [e for e in doomed if len(e.text_content() or "") < _MAX_TEASER_SHARE * total]:
        if element.getparent() is not None:
            element.drop_tree()
    return tree


def _name_tokens(element: lxml_html.HtmlElement) -> set[str]:
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    if not names.strip():
        return set()
    tokens = _NAME_TOKEN.findall(names) + _NAME_TOKEN.findall(_CAMEL.sub(r"\1 \2", names))
    return {token.lower() for token in tokens}


@lru_cache(maxsize=2)
def _teaser_screen(words: frozenset[str]) -> re.Pattern[str]:
    """Any of the words anywhere in an id/class string: a cheap test before the whole-token one."""
    return re.compile("|".join(sorted(map(re.escape, words))))  # searched in lower-cased text


@lru_cache(maxsize=1)
def teaser_words() -> frozenset[str]:
    """Words of corpus/rules/teaser_containers.txt (packaged data, read once)."""
    text = (resources.files("corpus") / "rules" / "teaser_containers.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _may_end_in_links(text: str) -> bool:
    """Only a body with a few short lines near its end can end in a link box; others spare the walk over <a>."""
    tail = [line for line in text.splitlines() if line.strip()][-_TAIL_LINES:]
    return sum(1 for line in tail if len(line.strip()) <= _SHORT_LINE) >= 3


def _link_texts(tree: lxml_html.HtmlElement) -> frozenset[str]:
    texts = [" ".join((element.text_content() or "").split()) for element in tree.iter("a")]
    return frozenset(key for key in match_keys(texts) if len(key) >= 2)


def _page_title(tree: lxml_html.HtmlElement) -> str | None:
    try:
        return extract_title(tree)
    except Exception:  # noqa: BLE001 - a title is optional; odd trees make lxml raise
        return None


def _meta_tags(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """Lower-cased name/property/itemprop → content of every <meta> (first occurrence wins)."""
    tags: dict[str, str] = {}
    for element in tree.iter("meta"):
        name = element.get("name") or element.get("property") or element.get("itemprop") or element.get("http-equiv")
        content = element.get("content")
        if name and content and content.strip():
            tags.setdefault(name.strip().lower(), content.strip())
    for element in tree.iter("time"):  # <time itemprop="datePublished" datetime="…">
        if (element.get("itemprop") or "").lower() == "datepublished" and element.get("datetime"):
            tags.setdefault("datepublished", element.get("datetime"))
    return tags


def _published_from_tags(tags: dict[str, str]) -> str | None:
    best: str | None = None
    for name, content in tags.items():
        if name in _DATE_META_NAMES:
            candidate = parse_date(content)
            if specificity(candidate) > specificity(best):
                best = candidate
    return best


def _canonical(tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    for element in tree.iter("link"):
        if "canonical" in (element.get("rel") or "").lower().split() and (element.get("href") or "").strip():
            href = element.get("href").strip()
            return urljoin(url, href) if url else href
    return None


def _first(tags: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = tags.get(name, "").strip()
        if value and not value.startswith("http"):
            return re.sub(r"^(来源|來源|source)\s*[:：]\s*", "", value, flags=re.IGNORECASE) or None
    return None


def _clean_title(title: str | None) -> str | None:
    """Page titles carry the site after a separator (标题_新闻_人民网); keep the first part when it is not tiny."""
    if not title:
        return None
    title = " ".join(title.split())
    head = re.split(r"\s*(?:_|\||｜| - | — |--)\s*", title, maxsplit=1)[0]
    return head if len(head) >= 4 else title


def _untable(text: str) -> str:
    """trafilatura writes table rows as `| a |  | b |`; keep the non-empty cells of a row, space-separated.

    The pipes and empty cells of layout tables (most pre-2010 Chinese sites) are not text and would otherwise
    reach the body; a real data table still reads row by row.
    """
    lines = []
    for line in text.splitlines():
        if _TABLE_ROW.match(line):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            line = " ".join(cell for cell in cells if cell)
        lines.append(line)
    return "\n".join(lines)


def context_lines(tree: lxml_html.HtmlElement, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The page's visible lines right before the main text and right after it (`text`: the clean body, so nav
    lines the extractor kept at its top do not count as its start).

    Precision-minded extraction often leaves the "发布时间… 来源…" line out of the body; the cleaner can still read
    it from here, while sidebars and footers further away (which also carry 来源 lines) stay out of reach.
    """
    body = [line.strip() for line in text.splitlines() if len(line.strip()) >= 8]
    if not body:
        return (), ()
    lines = [" ".join(line.split()) for line in _NON_BLANK_LINE.findall(_visible_text(tree))]
    first, last = body[0], body[-1]
    hits = [index for index, line in enumerate(lines) if first[:12] in line]
    if not hits:
        return (), ()
    # the title also sits in info boxes and breadcrumbs above the text: prefer the line that is the body line
    start = next((i for i in hits if lines[i] == first), hits[0])
    ends = [index for index, line in enumerate(lines) if index >= start and last[-12:] in line]
    end = ends[-1] if ends else None
    # lines trafilatura skipped inside the article region (a dateline between title and text) count as header
    kept = {line.strip() for line in text.splitlines()}
    inside = [line for line in lines[start:end if end is not None else start] if line not in kept]
    header = tuple(lines[max(0, start - _HEADER_LINES):start] + inside)
    footer = tuple(lines[end + 1:end + 1 + _FOOTER_LINES]) if end is not None else ()
    return header, footer


def _visible_text(tree: lxml_html.HtmlElement) -> str:
    """Text of the page with a line break at every block element, scripts and styles left out.

    An XSLT walk: libxslt visits the nodes in C, three times faster than an lxml iterwalk in Python.
    """
    try:
        return str(_visible_text_xslt()(tree))
    except etree.XSLTError:  # a tree too deep for libxslt: no context lines, the body still stands
        logger.warning("visible-text walk failed", exc_info=True)
        return ""


@lru_cache(maxsize=1)
def _visible_text_xslt() -> etree.XSLT:
    """Block elements open and close a line, cells add a space, invisible elements (and comments) vanish."""
    def names(tags: frozenset[str]) -> str:
        return "|".join(sorted(tags))

    return etree.XSLT(etree.XML(f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="utf-8"/>
  <xsl:template match="{names(_INVISIBLE)}|comment()|processing-instruction()"/>
  <xsl:template match="{names(_BLOCKS)}">
    <xsl:text>&#10;</xsl:text><xsl:apply-templates/><xsl:text>&#10;</xsl:text>
  </xsl:template>
  <xsl:template match="{names(_CELLS)}"><xsl:text> </xsl:text><xsl:apply-templates/></xsl:template>
</xsl:stylesheet>"""))
