"""Normalised text forms: one for hashing/search, one for matching junk rules."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# Chinese punctuation is meaningful in the stored normal form (，vs , changes nothing for a reader, but folding it
# would make a page and its repost hash differently only by accident); keep these as they are, fold everything else.
_KEEP_WIDE = frozenset("，。、“”‘’：；！？（）【】《》〈〉「」『』〔〕—…·～￥")
_SPACES = re.compile(r"[^\S\n]+")
_MAY_CONVERT = re.compile("[\u2e80-\U0010ffff]")  # CJK radicals onward: below, t2s changes no character
_KEPT = re.compile("([" + re.escape("".join(sorted(_KEEP_WIDE))) + "])")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    """One converter per process: building it reads dictionaries from disk."""
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _nfkc_chars() -> list[int | str]:
    """Per BMP code point its own NFKC form (the code point itself for most), for str.translate."""
    table: list[int | str] = list(range(0x10000))
    for code in range(0x10000):
        folded = unicodedata.normalize("NFKC", chr(code))
        if folded != chr(code):
            table[code] = folded
    return table


def nfkc(text: str) -> str:
    """unicodedata NFKC, three times faster on Chinese text.

    Fullwidth punctuation (，：) fails NFKC's quick check, and CPython then decomposes and recomposes the whole
    string. Mapping each character to its own NFKC form first gives a string with the same NFKD (so the same
    NFKC); it is usually normalised already, which is cheap to check. Combining sequences and characters beyond
    the BMP still go through the full normalisation.
    """
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    mapped = text.translate(_nfkc_chars())
    return mapped if unicodedata.is_normalized("NFKC", mapped) else unicodedata.normalize("NFKC", mapped)


def to_simplified(text: str) -> str:
    """Traditional → Simplified script (OpenCC t2s); other text passes through.

    OpenCC's dictionaries hold only CJK-range characters, so a text without any (English, numbers, Western
    punctuation) is returned as is: OpenCC costs about as much per character of such text as of Chinese.
    """
    return _t2s().convert(text) if _MAY_CONVERT.search(text) else text


def fold_width(text: str) -> str:
    """NFKC everywhere except on Chinese punctuation, so ＡＢ１２ → AB12 but ，。stay.

    The runs between kept punctuation are normalised whole (one C call each, not one per character).
    """
    if text.isascii():
        return text
    return "".join(part if part in _KEEP_WIDE else nfkc(part) for part in _KEPT.split(text))


def normalize_text(text: str) -> str:
    """The form archived for hashing and search: simplified script, folded widths, one space, no blank lines."""
    folded = to_simplified(fold_width(text or ""))  # fold first: NFKC turns radicals (⿂) into traditional 魚
    lines = (_SPACES.sub(" ", line).strip() for line in folded.splitlines())
    return "\n".join(line for line in lines if line)


def match_key(line: str) -> str:
    """The form junk rules are written against: simplified, full NFKC (，→, ：→:), single spaces, stripped.

    Rules then need one pattern for 發布時間：/发布时间: alike, while the line itself is kept in its own script.
    """
    folded = nfkc(to_simplified(line))
    return _SPACES.sub(" ", folded).strip()


def match_keys(lines: list[str]) -> list[str]:
    """match_key of every line, converting the script in one call (OpenCC is costly per call, not per character)."""
    converted = to_simplified("\n".join(lines)).split("\n")
    if len(converted) != len(lines):  # a line held a line break of its own; convert one by one
        return [match_key(line) for line in lines]
    return [_SPACES.sub(" ", nfkc(line)).strip() for line in converted]
