"""Learn, store and load each source's recurring boilerplate lines (the learning itself is corpus.boilerplate)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from archive.models import Document, Source, Version
from archive.models_boilerplate import LearnedLine
from corpus.boilerplate import DEFAULT_MIN_PAGES, DEFAULT_THRESHOLD, learn_boilerplate
from corpus.normalize import match_key


@dataclass(frozen=True)
class LearnedSet:
    """A source's learned lines with how often each was seen, for `boilerplate show`."""

    source: str
    sample: int  # pages learned from
    threshold: float
    lines: tuple[tuple[str, int], ...]  # (line, pages it is on), most frequent first


def learn_source(session: Session, source_name: str, threshold: float = DEFAULT_THRESHOLD,
                 min_pages: int = DEFAULT_MIN_PAGES) -> LearnedSet:
    """Learn from the current versions of the source's articles and replace its stored set."""
    source = _source(session, source_name)
    texts = session.scalars(
        select(Version.text).join(Document, Document.current_version_id == Version.id)
        .where(Document.source_id == source.id, Document.kind == "article")
    ).all()
    learned = learn_boilerplate(texts, threshold=threshold, min_pages=min_pages)
    counts = Counter(key for text in texts for key in {match_key(line) for line in text.splitlines()} if key in learned)
    session.execute(delete(LearnedLine).where(LearnedLine.source_id == source.id))
    for line, pages in counts.items():
        session.add(LearnedLine(source_id=source.id, line=line, pages=pages, sample=len(texts), threshold=threshold))
    session.flush()
    return LearnedSet(source_name, len(texts), threshold, tuple(counts.most_common()))


def load_learned(session: Session, source_name: str) -> frozenset[str]:
    """The source's learned lines, ready for extract_page(boilerplate=…); empty when none were learned."""
    rows = session.scalars(
        select(LearnedLine.line).join(Source, Source.id == LearnedLine.source_id).where(Source.name == source_name)
    ).all()
    return frozenset(rows)


def show_learned(session: Session, source_name: str) -> LearnedSet:
    source = _source(session, source_name)
    rows = session.scalars(
        select(LearnedLine).where(LearnedLine.source_id == source.id).order_by(LearnedLine.pages.desc(),
                                                                               LearnedLine.line)
    ).all()
    sample = rows[0].sample if rows else 0
    threshold = rows[0].threshold if rows else DEFAULT_THRESHOLD
    return LearnedSet(source_name, sample, threshold, tuple((row.line, row.pages) for row in rows))


def _source(session: Session, name: str) -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        raise LookupError(f"no source {name!r} in the archive (crawl it or run `policy-archive init` first)")
    return source
