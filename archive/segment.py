"""Word segmentation for search: jieba over the normalised (simplified) text, the same for documents and queries."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _jieba():  # noqa: ANN202 - jieba has no types
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def words(text_norm: str) -> list[str]:
    """Precise-mode words (no HMM guessing, so a term segments the same way alone and inside a sentence)."""
    out: list[str] = []
    for line in text_norm.split("\n"):
        out.extend(_line_words(line))
    return out


@lru_cache(maxsize=50_000)
def _line_words(line: str) -> tuple[str, ...]:
    """Per paragraph and cached: a new version mostly repeats its predecessor's paragraphs, a repost its original's."""
    out: list[str] = []
    for token in _jieba().cut(line, HMM=False):
        out.extend(w.lower() for w in _WORD.findall(token))
    return tuple(out)


@lru_cache(maxsize=100_000)
def subwords(word: str) -> tuple[str, ...]:
    """Dictionary words inside a longer word (国务院办公厅 → 国务院, 办公厅 …), so 国务院 still finds it."""
    if len(word) < 3:
        return ()
    freq = _jieba().FREQ
    found = []
    for n in (2, 3, 4):
        for i in range(len(word) - n + 1):
            gram = word[i:i + n]
            if gram != word and freq.get(gram):
                found.append(gram)
    return tuple(found)


def index_tokens(text_norm: str) -> str:
    """What the full-text index stores: the words in order (phrases stay adjacent), then their sub-words."""
    body = words(text_norm)
    extra = [s for w in body for s in subwords(w)]
    return " ".join(body + extra)


def query_terms(query: str) -> list[list[str]]:
    """Each whitespace-separated term of a query as its words; terms with no word characters are dropped."""
    from corpus.normalize import normalize_text

    terms = [words(t) for t in normalize_text(query).split()]
    return [t for t in terms if t]
