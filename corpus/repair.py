"""Repairs that only ever delete characters: page-chunk markers that cut sentences, pinyin after characters."""

from __future__ import annotations

import re

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_GAP = r"[^\S\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]"  # whitespace within a line, so whole texts can be repaired at once
_PINYIN = re.compile(rf"(?<=[{_HAN}])[(（]{_GAP}*([a-zü{_TONED}]+(?:{_GAP}+[a-zü{_TONED}]+)*){_GAP}*[)）]")
_CHUNK_MARKER = re.compile(r"^(\d{1,3})、")
# A line ends a sentence (or a heading that needs no punctuation is not followed by a marker): anything else left
# the sentence open, which is what a page break in a doc-sharing site's preview does.
_FINISHED = re.compile(r"[。！？!?；;：:…”’」』)）】》]$")
_MIN_RUN = 3
_MIN_OPEN_SHARE = 0.6


def strip_pinyin(line: str) -> str:
    """規(guī)劃 → 規劃: teaching and template sites annotate characters; pinyin with a tone mark only, so an
    English gloss like 不可能(impossible) stays. Works on one line or a whole text (it never joins lines)."""
    if "(" not in line and "（" not in line:
        return line
    return _PINYIN.sub(lambda m: "" if any(ch in _TONED for ch in m.group(1)) else m.group(0), line)


def rejoin_chunks(lines: list[str]) -> list[str]:
    """Remove the "12、" page markers a doc-sharing preview puts at each page start, rejoining cut sentences.

    Only a run of consecutively numbered lines (1、 2、 3、 …) most of whose predecessors end mid-sentence counts;
    an ordinary numbered list (一、 二、 or 1、 items that end their sentences) is left alone.
    """
    chunked = {i for start, end in _marker_runs(lines) if _is_chunk_run(lines, start, end) for i in range(start, end)}
    stripped = [_CHUNK_MARKER.sub("", line, count=1) if i in chunked else line for i, line in enumerate(lines)]
    return _join_open(stripped, chunked)


def _marker_runs(lines: list[str]) -> list[tuple[int, int]]:
    """[start, end) index ranges of lines numbered n、, n+1、, n+2、 … in a row."""
    runs: list[tuple[int, int]] = []
    start, expected = None, None
    for index, line in enumerate([*lines, ""]):
        match = _CHUNK_MARKER.match(line)
        number = int(match.group(1)) if match else None
        if number is not None and number == expected:
            expected += 1
            continue
        if start is not None and index - start >= _MIN_RUN:
            runs.append((start, index))
        start, expected = (index, number + 1) if number is not None else (None, None)
    return runs


def _is_chunk_run(lines: list[str], start: int, end: int) -> bool:
    transitions = range(max(start, 1), end)
    open_before = sum(1 for i in transitions if not _FINISHED.search(lines[i - 1]))
    return bool(transitions) and open_before / len(transitions) >= _MIN_OPEN_SHARE


def _join_open(lines: list[str], chunked: set[int]) -> list[str]:
    out: list[str] = []
    for index, line in enumerate(lines):
        if index in chunked and index - 1 in chunked and not _FINISHED.search(out[-1]):
            out[-1] += line
        else:
            out.append(line)
    return out
