"""Site-learned boilerplate: lines that recur verbatim across a large share of one source's pages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from corpus.normalize import match_key

DEFAULT_THRESHOLD = 0.5  # a line on at least half of a source's pages is the site's, not an article's
DEFAULT_MIN_PAGES = 5  # below this many pages "recurring" means nothing (two reposts of one text share all lines)
_MIN_KEY_CHARS = 2  # single characters ("大", "·") are left to the data rules


def learn_boilerplate(texts: Iterable[str], threshold: float = DEFAULT_THRESHOLD,
                      min_pages: int = DEFAULT_MIN_PAGES) -> frozenset[str]:
    """match_key forms of the lines found on at least `threshold` of the pages (each page counted once per line).

    Fewer than `min_pages` texts learn nothing, and a line must recur on at least two pages whatever the
    threshold: one page's own lines are never boilerplate.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    pages = 0
    counts: Counter[str] = Counter()
    for text in texts:
        pages += 1
        counts.update({key for key in (match_key(line) for line in text.splitlines()) if len(key) >= _MIN_KEY_CHARS})
    if pages < max(min_pages, 2):
        return frozenset()
    needed = max(2, threshold * pages)
    return frozenset(key for key, count in counts.items() if count >= needed)
