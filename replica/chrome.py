"""Page templates: wrap an article in one of several realistic site chromes, junk included, and say which junk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from replica import junk
from replica.content import ARTICLES, ReplicaArticle
from replica.junk import JunkRecorder, in_script

# Per-chrome branding: (site name, channel, ICP number). Fictional, one per template family.
BRANDS = {
    "party": ("先锋党建网", "党建要闻", "浙ICP备2023012345号-1"),
    "gov": ("青山县人民政府", "组工动态", "浙ICP备05012345号"),
    "docshare": (junk.DOCSHARE_SITE, "公文范文", "沪ICP备19087654号-3"),
    "repost": ("实用公文网", "心得体会", "湘ICP备2021056789号-2"),
}


@dataclass(frozen=True)
class RenderedPage:
    """One article page as served: its HTML and every junk string placed in or beside the text."""

    article: ReplicaArticle
    html: str
    junk: tuple[str, ...]

    def encode(self) -> bytes:
        # Strict: a GBK page whose text GBK cannot hold is a data bug, not something to paper over.
        return self.html.encode(self.article.encoding)


def pick_related(article: ReplicaArticle, articles: Sequence[ReplicaArticle]) -> list[ReplicaArticle]:
    """2–4 older articles (wrapping to the newest), stable so a page only changes when its neighbours do."""
    ordered = sorted((a for a in articles if a.id != article.id), key=lambda a: (a.published, a.id), reverse=True)
    older = [a for a in ordered if (a.published, a.id) < (article.published, article.id)]
    newer = [a for a in ordered if (a.published, a.id) > (article.published, article.id)]
    return (older + newer)[: 2 + article.id % 3]


def _head(article: ReplicaArticle, title: str, base_url: str | None, extra_meta: str) -> str:
    if article.encoding == "gbk" and article.header_charset:
        charset = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    elif article.encoding == "gbk":
        charset = '<meta charset="gbk">'
    else:
        charset = '<meta charset="utf-8">'
    canonical = f'<link rel="canonical" href="{base_url}{article.path}">' if base_url else ""
    lang = "zh-Hant" if article.script == "traditional" else "zh-CN"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head>{charset}<title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{extra_meta}{canonical}'
        '<link rel="stylesheet" href="/static/site.css"></head>\n'
    )


def _header_and_nav(article: ReplicaArticle, j: JunkRecorder) -> str:
    site, channel, _ = BRANDS[article.chrome]
    nav = [("/", "首页"), ("/list/index.html", channel), ("/list/index.html", "理论学习"), ("/about.html", "关于我们")]
    links = " | ".join(f'<a href="{href}">{escape(j.label(text))}</a>' for href, text in nav)
    crumb = (
        f'<div class="breadcrumb">{escape(j.label("当前位置："))}<a href="/">{escape(j.label("首页"))}</a> &gt; '
        f'<a href="/list/index.html">{escape(j.label(channel))}</a> &gt; {escape(j.label("正文"))}</div>'
    )
    return f'<body>\n<div class="header"><div class="logo">{escape(j.label(site))}</div><div class="nav">{links}</div></div>\n{crumb}\n'


def _footer(article: ReplicaArticle, j: JunkRecorder) -> str:
    site, _, icp = BRANDS[article.chrome]
    line = j.text(f"版权所有：{site} {icp}")
    return (
        f'<div class="footer"><p><a href="/about.html">{escape(j.label("关于我们"))}</a> | '
        f'<a href="/list/index.html">{escape(j.label("网站地图"))}</a></p><p>{line}</p></div>\n</body></html>\n'
    )


def _paragraphs(article: ReplicaArticle, indent: str = "") -> str:
    return "\n".join(f"<p>{indent}{escape(p, quote=False)}</p>" for p in article.paragraphs)


def _party(article: ReplicaArticle, related: list[ReplicaArticle], j: JunkRecorder) -> str:
    """Party-media layout (seed 002): mobile banner, toolbar, share, audio; meta line and spam after the text."""
    spam = junk.spam_lines(j, article, 2) if article.id % 3 == 0 else ""
    return (
        '<div class="main"><div class="article">\n'
        f"{junk.mobile_banner(j)}\n<h1>{escape(article.title)}</h1>\n{junk.toolbar(j)}\n{junk.share_widget(j)}\n"
        f"{junk.audio_player(j, article)}\n{_paragraphs(article)}\n"
        f"{junk.related_block(j, '延伸阅读', related)}\n{junk.meta_line(j, article)}\n{spam}\n</div></div>\n"
    )


def _gov(article: ReplicaArticle, related: list[ReplicaArticle], j: JunkRecorder) -> str:
    """Gov-portal layout: 政务公开 info box, 字体 switcher, full-width indents, print/close tools, 相关阅读."""
    font, tools = junk.gov_tools(j)
    return (
        f'<div class="main"><div class="article">\n{junk.gov_info_box(j, article)}\n'
        f"<h1>{escape(article.title)}</h1>\n{junk.meta_line(j, article, date_style='iso')}\n{font}\n"
        f'<div id="zoom" class="TRS_Editor">\n{_paragraphs(article, indent="　　")}\n{tools}\n'
        f"{junk.related_block(j, '相关阅读', related)}\n</div>\n</div></div>\n"
    )


def _docshare(article: ReplicaArticle, related: list[ReplicaArticle], j: JunkRecorder) -> str:
    """Document-sharing layout (seed 001): 由会员分享 banner on top, .docx related list and spam tags below."""
    return (
        '<div class="main"><div class="article doc-view">\n'
        f"<h1>{escape(article.title)}</h1>\n{junk.docshare_banner(j, article)}\n"
        f"{junk.meta_line(j, article, date_style='iso')}\n{_paragraphs(article)}\n"
        f"{junk.related_block(j, '相关阅读', related, suffix='.docx')}\n{junk.spam_lines(j, article, 1)}\n</div></div>\n"
    )


def _repost(article: ReplicaArticle, related: list[ReplicaArticle], j: JunkRecorder) -> str:
    """Writing-site layout (seed 004): author-first meta line, repost disclaimer with URL, related, spam."""
    spam = junk.spam_lines(j, article, 3) if article.id % 2 == 1 else ""
    return (
        '<div class="main"><div class="article">\n'
        f"<h1>{escape(article.title)}</h1>\n{junk.meta_line(j, article, date_style='iso', author_first=True)}\n"
        f"{_paragraphs(article)}\n{junk.repost_disclaimer(j, article)}\n"
        f"{junk.related_block(j, '延伸阅读', related)}\n{spam}\n</div></div>\n"
    )


_LAYOUTS = {"party": _party, "gov": _gov, "docshare": _docshare, "repost": _repost}


def _head_meta(article: ReplicaArticle) -> str:
    """The <meta> names each site family really uses, so metadata can also be read from the head."""
    at = article.published_at
    if article.chrome == "gov":
        pairs = [("ArticleTitle", article.title), ("PubDate", at.strftime("%Y-%m-%d %H:%M")), ("ContentSource", article.publisher)]
    else:
        pairs = [("publishdate", at.date().isoformat()), ("source", article.publisher)]
        if article.author:
            pairs.append(("author", article.author))
    return "".join(f'<meta name="{name}" content="{escape(value)}">' for name, value in pairs)


def render_article(
    article: ReplicaArticle, related: Sequence[ReplicaArticle] | None = None, base_url: str | None = None
) -> RenderedPage:
    """Render `article` in its chrome; `related` defaults to neighbours among the built-in ARTICLES."""
    related = pick_related(article, ARTICLES) if related is None else list(related)
    j = JunkRecorder(article.script)
    site = BRANDS[article.chrome][0]
    suffix = ".docx" if article.chrome == "docshare" else ""
    title = f"{article.title}{suffix}_{in_script(site, article.script)}"
    page = (
        _head(article, title, base_url, _head_meta(article))
        + _header_and_nav(article, j)
        + _LAYOUTS[article.chrome](article, list(related), j)
        + _footer(article, j)
    )
    return RenderedPage(article=article, html=page, junk=tuple(j.strings))


def junk_for(article: ReplicaArticle, related: Sequence[ReplicaArticle] | None = None) -> list[str]:
    """Exact junk strings the rendered page of `article` carries (none may end up in an archived body)."""
    return list(render_article(article, related).junk)


def collect_junk(articles: Sequence[ReplicaArticle]) -> list[str]:
    """Every junk string over a set of articles, first-seen order, no duplicates."""
    seen: dict[str, None] = {}
    for article in articles:
        for text in render_article(article, pick_related(article, articles)).junk:
            seen.setdefault(text, None)
    return list(seen)


JUNK: list[str] = collect_junk(ARTICLES)
