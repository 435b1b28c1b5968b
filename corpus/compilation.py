"""Compilations (汇编): a 目录 of titles with page numbers, then the pieces under those titles, split apart."""

from __future__ import annotations

import re
from collections.abc import Sequence

from corpus.normalize import match_key
from corpus.types import Piece

_TOC_HEADING = re.compile(r"^目\s*[录錄次]$")
# "1.抓实党建引领 推动乡村振兴 2", "第一章 总则……1", "三、工作要求 12": a title and a trailing page number
_TOC_ENTRY = re.compile(r"^(?:\d{1,3}\s*[.、．]|第.{1,4}[章节篇部分讲]|[一二三四五六七八九十]+、)?\s*(?P<title>.+?)"
                        r"[\s.…·\-]*(?P<page>\d{1,4})$")
# a superset of the lines whose match_key _TOC_HEADING takes: 目 (or the radical ⽬), one more character, line end
_TOC_SCREEN = re.compile(r"[目⽬]\s*\S\s*?(?:[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]|\Z)")
_LOOSE = re.compile(r"[\W_]+")
MIN_PIECES = 2  # one title is a document with a contents line, not a compilation


def toc_titles(text: str) -> list[str]:
    """The titles listed under the first 目录 heading, in order (duplicates kept); [] without a 目录."""
    if not _TOC_SCREEN.search(text):  # most pages have no 目录 line; spare them the keying of every line
        return []
    lines = [line.strip() for line in text.splitlines()]
    titles: list[str] = []
    inside = False
    for line in lines:
        key = match_key(line)
        if not inside:
            inside = bool(_TOC_HEADING.match(key))
            continue
        if not key:
            continue
        match = _TOC_ENTRY.match(key)
        if not match or len(match.group("title")) > 60:
            break
        titles.append(_cut_like(line, match.group("title")))
    return titles


def split_compilation(text: str, titles: Sequence[str] | None = None) -> list[Piece]:
    """The pieces of a compilation, each from its title line in the body to the next piece's title line.

    `titles` defaults to the text's own 目录 (pass them when the 目录 was already cleaned out of `text`). Titles
    are found in order, so a title listed twice (two speeches both called 打造乡村振兴雁阵队伍) gives two pieces.
    Fewer than two titles found in the body means the text is not a compilation: [].
    """
    titles = list(titles) if titles is not None else toc_titles(text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    starts: list[tuple[int, str]] = []
    position = _after_toc(lines)
    for title in titles:
        wanted = _loose(title)
        found = next((i for i in range(position, len(lines)) if _loose(lines[i]) == wanted), None)
        if found is not None:
            starts.append((found, title))
            position = found + 1
    if len(starts) < MIN_PIECES:
        return []
    pieces = []
    for number, (start, title) in enumerate(starts, 1):
        end = starts[number][0] if number < len(starts) else len(lines)
        pieces.append(Piece(title=title, text="\n".join(lines[start + 1:end]), number=number))
    return pieces


def _after_toc(lines: list[str]) -> int:
    """Index of the first line after the 目录 block (0 when there is none), so TOC entries never start a piece."""
    for index, line in enumerate(lines):
        if _TOC_HEADING.match(match_key(line)):
            end = index + 1
            while end < len(lines) and _TOC_ENTRY.match(match_key(lines[end])):
                end += 1
            return end
    return 0


def _cut_like(line: str, title_key: str) -> str:
    """The title in the line's own script: match_key keeps lengths for CJK text, so cut at the same offsets."""
    key = match_key(line)
    start = key.find(title_key)
    original = " ".join(line.split())
    if start >= 0 and len(original) == len(key):
        return original[start:start + len(title_key)]
    return title_key


def _loose(text: str) -> str:
    return _LOOSE.sub("", match_key(text)).lower()
