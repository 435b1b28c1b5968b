"""The site's non-article pages: home, paginated listing, robots, sitemap, RSS, about, private, broken."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from replica.content import ReplicaArticle

SITE_NAME = "先锋党建网"
PRIVATE_PATH = "/private/drafts.html"


def newest_first(articles: Sequence[ReplicaArticle]) -> list[ReplicaArticle]:
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)


def listing_path(page: int) -> str:
    """Chinese CMS convention: page 0 is index.html, then index_1.html, index_2.html …"""
    return "/list/index.html" if page == 0 else f"/list/index_{page}.html"


def page_count(n_articles: int, per_page: int) -> int:
    return max(1, -(-n_articles // per_page))


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
        f'<body>\n<div class="header"><a href="/">{SITE_NAME}</a> | <a href="/list/index.html">党建要闻</a> | '
        f'<a href="/about.html">关于我们</a></div>\n{body}\n'
        f'<div class="footer"><p>版权所有：{SITE_NAME} 浙ICP备2023012345号-1</p></div>\n</body></html>\n'
    )


def home(articles: Sequence[ReplicaArticle]) -> str:
    top = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in newest_first(articles)[:5])
    body = (
        f'<div class="main"><h2>头条</h2><ul class="top-news">{top}</ul>'
        '<p><a href="/list/index.html">更多党建要闻</a> | <a href="/rss.xml">RSS订阅</a></p></div>'
    )
    return _page(f"{SITE_NAME}_首页", body)


def listing(articles: Sequence[ReplicaArticle], page: int, per_page: int) -> str | None:
    """One listing page, or None when `page` is past the last one."""
    ordered = newest_first(articles)
    pages = page_count(len(ordered), per_page)
    if not 0 <= page < pages:
        return None
    chunk = ordered[page * per_page : (page + 1) * per_page]
    items = "\n".join(
        f'<li><a href="{a.path}" title="{escape(a.title)}">{escape(a.title)}</a>'
        f'<span class="date">{a.published[:10]}</span></li>'
        for a in chunk
    )
    nav = [f'<a href="{listing_path(0)}">首页</a>']
    if page > 0:
        nav.append(f'<a href="{listing_path(page - 1)}">上一页</a>')
    nav += [f'<a href="{listing_path(i)}">{i + 1}</a>' if i != page else f"<span>{i + 1}</span>" for i in range(pages)]
    if page < pages - 1:
        nav.append(f'<a href="{listing_path(page + 1)}">下一页</a>')
    nav.append(f'<a href="{listing_path(pages - 1)}">尾页</a>')
    body = (
        f'<div class="main"><h2>党建要闻</h2><ul class="news-list">\n{items}\n</ul>\n'
        f'<div class="pagination">{" ".join(nav)} <span>共{pages}页</span></div>\n'
        f'<div class="side"><a href="{PRIVATE_PATH}">内部资料（仅限内网）</a></div></div>'
    )
    return _page(f"党建要闻_第{page + 1}页_{SITE_NAME}", body)


def about() -> str:
    body = (
        '<div class="main"><h2>关于我们</h2><p>本站是policy-archive测试用的复制站点，'
        "汇集虚构地区的组织工作动态、讲话材料和经验交流文章，供抓取与归档系统端到端测试使用。</p>"
        "<p>联系电话：0571-0000000 地址：青山县人民路1号</p></div>"
    )
    return _page(f"关于我们_{SITE_NAME}", body)


def private() -> str:
    body = '<div class="main"><h2>内部资料</h2><p>本页面仅供内部使用，robots.txt 禁止抓取。</p></div>'
    return _page("内部资料", body)


def not_found(path: str) -> str:
    return _page("404 页面不存在", f'<div class="main"><h2>404</h2><p>您访问的页面 {escape(path)} 不存在。</p></div>')


def robots(base_url: str, crawl_delay: float | None = None) -> str:
    delay = f"Crawl-delay: {crawl_delay:g}\n" if crawl_delay else ""
    return f"User-agent: *\nAllow: /\nDisallow: /private/\n{delay}\nSitemap: {base_url}/sitemap.xml\n"


def sitemap(base_url: str, articles: Sequence[ReplicaArticle], lastmod: dict[int, datetime]) -> str:
    """All articles; lastmod follows the page's Last-Modified so a changed page shows up as changed."""
    urls = "".join(
        f"<url><loc>{xml_escape(base_url + a.path)}</loc>"
        f"<lastmod>{lastmod.get(a.id, a.published_at).astimezone(a.published_at.tzinfo).isoformat()}</lastmod></url>\n"
        for a in newest_first(articles)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def rss(base_url: str, articles: Sequence[ReplicaArticle], limit: int = 20) -> str:
    items = "".join(
        f"<item><title>{xml_escape(a.title)}</title><link>{xml_escape(base_url + a.path)}</link>"
        f'<guid isPermaLink="true">{xml_escape(base_url + a.path)}</guid>'
        f"<pubDate>{format_datetime(a.published_at)}</pubDate>"
        f"<description>{xml_escape(a.paragraphs[0][:80])}</description></item>\n"
        for a in newest_first(articles)[:limit]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{SITE_NAME}</title><link>{base_url}/</link><description>党建要闻</description>"
        f"<language>zh-cn</language>\n{items}</channel></rss>\n"
    )


# --- deliberately broken pages for error-handling tests -------------------------------------------

def random_bytes(seed: int, size: int = 4096) -> bytes:
    """Deterministic noise, so a failing test can be replayed byte for byte."""
    return random.Random(seed).randbytes(size)


def undecodable() -> bytes:
    """Declares UTF-8 but carries bytes no UTF-8 decoder accepts, in the middle of real text."""
    head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>编码损坏的页面</title></head><body><div class="article"><h1>编码损坏的页面</h1><p>'
    return (
        head.encode("utf-8")
        + "这一段文字之后混入了无效字节：".encode()
        + b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\x80\x81"
        + "，之后又恢复正常。".encode()
        + b"\xf0\x28\x8c\x28</p></div></body></html>\n"
    )
