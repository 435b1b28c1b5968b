"""Site-learned boilerplate: the lines learned per source, stored so they are inspectable and re-applied."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.models import Base, utcnow


class LearnedLine(Base):
    """One line (match_key form) that recurs on at least `threshold` of a source's pages; a learn replaces the set."""

    __tablename__ = "learned_line"
    __table_args__ = (UniqueConstraint("source_id", "line", name="uq_learned_line_source_id_line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    line: Mapped[str] = mapped_column(Text)
    pages: Mapped[int]  # pages of the source the line was found on
    sample: Mapped[int]  # pages the set was learned from
    threshold: Mapped[float] = mapped_column(Float)
    learned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
