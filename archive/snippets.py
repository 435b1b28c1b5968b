"""Search snippets: a window of the original text around the first hit, with every term occurrence marked."""

from __future__ import annotations

import re


def _folded(text: str) -> str:
    """Simplified, width-folded, lower-cased: the same length as the text for all but rare phrase conversions."""
    from corpus.normalize import fold_width, to_simplified

    return fold_width(to_simplified(text)).lower()


def snippet(text: str, terms: list[str], width: int = 80) -> tuple[str, list[tuple[int, int]]]:
    """(snippet, [(start, end) of each highlighted term in the snippet]); shows the document's own script."""
    folded = _folded(text)
    shown = text if len(folded) == len(text) else folded
    pattern = re.compile("|".join(re.escape(t.lower()) for t in sorted(terms, key=len, reverse=True) if t))
    first = pattern.search(folded) if pattern.pattern else None
    centre = first.start() if first else 0
    start = max(0, centre - width // 3)
    end = min(len(shown), start + width)
    window = shown[start:end].replace("\n", " ")
    prefix, suffix = ("…" if start else ""), ("…" if end < len(shown) else "")
    spans = [(m.start() - start + len(prefix), m.end() - start + len(prefix))
             for m in pattern.finditer(folded, start, end)] if pattern.pattern else []
    return prefix + window + suffix, spans
