"""The junk blocks real Chinese policy pages carry next to the text, each recording its exact strings."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from html import escape

from replica.content import ReplicaArticle

# Invented spam in the shape injected keyword tails take on compromised pages (seed 002):
# many short porn/gambling terms on one line, joined by commas or " | ".
SPAM_LINES = (
    "澳门赌场在线,真人百家乐官网,皇冠体育投注平台,老虎机注册送彩金,六合彩开奖现场直播",
    "成人影院免费在线观看 | 午夜福利视频网 | 深夜激情无码专区 | 国产精品一区二区三区 | 手机看片神器",
    "网上赌球开户 | 百家乐必胜技巧 | 在线棋牌送彩金 | 葡京娱乐官网登录 | 时时彩计划软件下载",
)
DOCSHARE_SITE = "课桌文档"
REPOST_DOMAIN = "www.qingshan-wenku.cn"


@lru_cache(maxsize=1)
def _s2t():
    import opencc  # imported lazily: only traditional pages need it

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=4096)
def _s2t_char(ch: str) -> str:
    return _s2t().convert(ch)


def in_script(text: str, script: str) -> str:
    """Chrome strings are written in simplified; traditional pages convert them character by character.

    Character (not phrase) conversion is what the 繁體 mirrors of party sites do, hence seed 002's
    "發布時間" rather than the phrase-level "發佈時間".
    """
    if script != "traditional":
        return text
    return "".join(_s2t_char(ch) for ch in text)


class JunkRecorder:
    """Collects every junk string a page template emits, so tests know exactly what must not be archived."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.strings: list[str] = []

    def text(self, simplified: str, *, convert: bool = True) -> str:
        """Record one junk text node (converted to the page's script) and return it HTML-escaped."""
        value = in_script(simplified, self.script) if convert else simplified
        if value not in self.strings:
            self.strings.append(value)
        return escape(value, quote=False)

    def label(self, simplified: str) -> str:
        return in_script(simplified, self.script)


def mobile_banner(j: JunkRecorder) -> str:
    return f'<div class="sjb"><p>{j.text("手机版")}</p><p>{j.text("欢迎使用手机浏览")}</p></div>'


def toolbar(j: JunkRecorder) -> str:
    return f'<div class="dyjc"><span>{j.text("打印 纠错")}</span></div>'


def share_widget(j: JunkRecorder) -> str:
    return f'<div class="wxsys"><p>{j.text("微信扫一扫 ×")}</p></div>'


def audio_player(j: JunkRecorder, article: ReplicaArticle) -> str:
    return (
        f'<div class="stbw"><audio preload="none" data-src="/media/{article.id}.mp3"></audio>'
        f'<p>{j.text("收听本文 00:00/00:00")}</p></div>'
    )


def _date(article: ReplicaArticle, style: str) -> str:
    at = article.published_at
    if style == "cn":
        return at.strftime("%Y年%m月%d日 %H:%M")
    return at.strftime("%Y-%m-%d %H:%M")


def meta_line(j: JunkRecorder, article: ReplicaArticle, *, date_style: str = "cn", author_first: bool = False) -> str:
    """The 发布时间/来源/作者/编辑 line: same facts as the article record, labels in the page's script."""
    parts = [f"{j.label('发布时间')}：{_date(article, date_style)}"]
    source = f"{j.label('来源')}：{article.publisher}"
    author = f"{j.label('作者')}：{article.author}" if article.author else None
    if author_first and author:
        parts += [author, source]
    else:
        parts += [source] + ([author] if author else [])
    if article.editor:
        parts.append(f"{j.label('编辑')}：{article.editor}")
    return f'<div class="fbsj"><span>{j.text(" ".join(parts), convert=False)}</span></div>'


def related_block(j: JunkRecorder, heading: str, related: list[ReplicaArticle], suffix: str = "") -> str:
    """Title text with a short [详细] link, as CMS trailers do; plain link lists would be dropped as navigation."""
    more = j.text("[详细]")
    items = "".join(
        f'<p class="ydlb">{j.text(r.title + suffix, convert=False)} <a href="{r.path}">{more}</a></p>' for r in related
    )
    return f'<p class="ydbt">{j.text(heading)}</p>{items}'


def spam_lines(j: JunkRecorder, article: ReplicaArticle, count: int) -> str:
    start = article.id % len(SPAM_LINES)
    picked = [SPAM_LINES[(start + i) % len(SPAM_LINES)] for i in range(count)]
    return '<div class="gjc">' + "".join(f"<p>{j.text(line, convert=False)}</p>" for line in picked) + "</div>"


def docshare_banner(j: JunkRecorder, article: ReplicaArticle) -> str:
    pages = max(2, len(article.body) // 300 + 1)
    text = (
        f"《{article.title}.docx》{j.label('由会员分享,可在线阅读,更多相关')}"
        f"《{article.title}.docx({pages}{j.label('页珍藏版')})》{j.label('请在' + DOCSHARE_SITE + '上搜索。')}"
    )
    return f'<div class="hyfx"><p>{j.text(text, convert=False)}</p></div>'


def repost_disclaimer(j: JunkRecorder, article: ReplicaArticle) -> str:
    notice = (
        "本文内容由互联网用户自发贡献,该文观点仅代表作者本人。本站仅提供信息存储空间服务,不拥有所有权,"
        "不承担相关法律责任。如发现本站有涉嫌抄袭侵权/违法违规的内容, 请发送邮件至 jubao@qingshan-wenku.cn 举报,"
        "一经查实,本站将立刻删除。"
    )
    source = f"{j.label('如若转载,请注明出处')}:https://{REPOST_DOMAIN}/{article.id}.html"
    return f'<div class="bqsm"><p>{j.text(notice)}</p><p>{j.text(source, convert=False)}</p></div>'


def gov_info_box(j: JunkRecorder, article: ReplicaArticle) -> str:
    """索引号/发文机关/发文字号/成文日期/发布日期: the 政务公开 box gov CMSs print above the text."""
    at = article.published_at
    written = at.date() - timedelta(days=2)  # documents are signed a little before they are posted
    cells = [
        f"{j.label('索引号')}：11330{article.year % 100:02d}0/{article.year}-{article.id:05d}",
        f"{j.label('发文机关')}：{article.publisher}",
        f"{j.label('发文字号')}：{article.doc_number or j.label('无')}",
        f"{j.label('成文日期')}：{written.isoformat()}",
        f"{j.label('发布日期')}：{at.date().isoformat()}",
    ]
    rows = "".join(f"<td>{j.text(cell, convert=False)}</td>" for cell in cells)
    return f'<div class="xxgk"><table><tr>{rows}</tr></table></div>'


def gov_tools(j: JunkRecorder) -> tuple[str, str]:
    font = f'<div class="zh">{j.text("【字体：大 中 小】")}</div>'
    tools = f'<div class="dygb">{j.text("打印本页 关闭窗口")}</div>'
    return font, tools
