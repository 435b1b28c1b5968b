"""Why each line of an extracted text was kept, removed or moved to metadata: the --explain view of the cleaner."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from corpus.repair import strip_pinyin
from corpus.types import Removal

_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


@dataclass(frozen=True)
class Decision:
    """One input line and what the cleaner did with it: keep | remove | meta | repair."""

    line: str
    action: str
    kind: str | None = None
    rule: str | None = None


def explain(text: str, removed: Iterable[Removal], kept_text: str) -> list[Decision]:
    """Every non-blank line of `text` (what the extractor gave) with the rule that took it, in order.

    A line the cleaner rewrote (pinyin stripped, a page-chunk marker removed and the sentence rejoined) is
    "repair"; removals that match no input line (a line rejoined first, removed after) follow at the end.
    """
    pending: dict[str, deque[Removal]] = defaultdict(deque)
    for removal in removed:
        pending[removal.line].append(removal)
    kept = "\n".join(kept_text.splitlines())
    decisions: list[Decision] = []
    for raw in text.splitlines():
        line = strip_pinyin(_SPACES.sub(" ", raw).strip())
        if not line:
            continue
        if pending.get(line):
            removal = pending[line].popleft()
            action = "meta" if removal.kind == "meta" else "remove"
            decisions.append(Decision(raw.strip(), action, removal.kind, removal.rule))
        elif line != raw.strip() and line in kept:
            decisions.append(Decision(raw.strip(), "repair", "pinyin", "repair.pinyin"))
        elif line in kept.splitlines():
            decisions.append(Decision(raw.strip(), "keep"))
        else:
            decisions.append(Decision(raw.strip(), "repair", "page_chunk", "repair.chunk_marker"))
    for queue in pending.values():
        for removal in queue:
            action = "meta" if removal.kind == "meta" else "remove"
            decisions.append(Decision(removal.line, action, removal.kind, removal.rule))
    return decisions
