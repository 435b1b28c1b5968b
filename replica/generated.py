"""Many distinct articles for benchmarks: paragraphs of the bundled texts recombined deterministically."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from replica.content import ARTICLES, ReplicaArticle

_CST = timezone(timedelta(hours=8))
_START = datetime(2019, 1, 1, 9, 0, tzinfo=_CST)
FIRST_ID = 100000


def generate_articles(count: int, seed: int = 7) -> list[ReplicaArticle]:
    """`count` UTF-8 simplified-script articles, one per ~half day from 2019, each with its own text and title."""
    rng = random.Random(seed)
    sources = [a for a in ARTICLES if a.script == "simplified" and a.encoding == "utf-8"]
    paragraphs = [p for a in sources for p in a.paragraphs if len(p) > 30]
    out = []
    for n in range(count):
        model = sources[n % len(sources)]
        published = _START + timedelta(hours=11 * n + rng.randrange(0, 10))
        body = rng.sample(paragraphs, k=min(len(paragraphs), rng.randint(4, 8)))
        out.append(ReplicaArticle(
            id=FIRST_ID + n, year=published.year, title=f"{model.title}（第{n + 1}期）",
            paragraphs=[f"第{n + 1}期：{published:%Y年%m月%d日}，{model.publisher}发布。", *body],
            published=published.isoformat(timespec="seconds"), publisher=model.publisher, author=model.author,
            editor=model.editor, chrome=model.chrome, doc_number=model.doc_number))
    return out
