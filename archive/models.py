"""The archive schema: sources, documents, append-only versions, fetches, crawl runs and near-duplicate clusters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC: SQLite has no time zones, so every timestamp we write is UTC by convention."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON}


class Source(Base):
    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | scheduled | demo
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed | timeout | aborted
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    pid: Mapped[int | None]
    pages: Mapped[int] = mapped_column(default=0)
    new_documents: Mapped[int] = mapped_column(default=0)
    new_versions: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship(lazy="joined")


class Document(Base):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("version.id", use_alter=True, name="fk_document_current_version_id_version")
    )
    version_count: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16), default="article", server_default="article")  # article | attachment | piece
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)  # attachment/piece → its article
    next_check_at: Mapped[dt.datetime | None] = mapped_column(index=True)  # revisit policy: not re-fetched before

    source: Mapped[Source] = relationship(lazy="joined")
    current: Mapped[Version | None] = relationship(foreign_keys=[current_version_id], lazy="raise")


class Version(Base):
    """An immutable snapshot of a document's clean text; written only when the normalised hash changes."""

    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_version_document_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    number: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))  # new | changed | reextract
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_norm: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64), index=True)
    published: Mapped[str | None] = mapped_column(String(40))  # ISO 8601 as shown on the page (may carry +08:00)
    published_on: Mapped[dt.date | None] = mapped_column(index=True)  # local calendar date, for filters
    publisher: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(200))
    editor: Mapped[str | None] = mapped_column(String(200))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extractor_version: Mapped[str] = mapped_column(String(32))
    fetch_id: Mapped[int | None] = mapped_column(ForeignKey("fetch.id"))
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Fetch(Base):
    """Every HTTP exchange the crawler made, successful or not."""

    __tablename__ = "fetch"
    __table_args__ = (Index("ix_fetch_url", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(16), default="article")  # article | listing | feed | sitemap | other
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[int | None]  # HTTP status; None when no response arrived
    outcome: Mapped[str] = mapped_column(String(16))  # new | changed | unchanged | empty | listing | error
    error: Mapped[str | None] = mapped_column(Text)
    elapsed_ms: Mapped[int | None]
    size: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(200))
    encoding: Mapped[str | None] = mapped_column(String(32))
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    payload_digest: Mapped[str | None] = mapped_column(String(80))  # WARC-Payload-Digest of the body ("sha1:…")
    warc_path: Mapped[str | None] = mapped_column(String(500))  # relative to POLICY_ARCHIVE_HOME/warc
    warc_offset: Mapped[int | None]  # of the response record (gzip member) in that file
    warc_length: Mapped[int | None]


class Cluster(Base):
    """Near-duplicate documents (reposts, traditional copies, compilation pieces) and the one shown for them."""

    __tablename__ = "cluster"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", use_alter=True,
                                                                name="fk_cluster_canonical_id_document"))
    size: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Sketch(Base):
    """A document's MinHash signature over character shingles of its current normalised text, and its cluster."""

    __tablename__ = "sketch"

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id"), index=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # num_perm little-endian uint32 hash values
    similarity: Mapped[float] = mapped_column(Float, default=1.0)  # estimated Jaccard to the member it joined through


class SketchBand(Base):
    """The persisted LSH index: one row per (band, bucket) of each signature; candidates share a bucket."""

    __tablename__ = "sketch_band"

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True, index=True)


# Registered on Base.metadata here so Alembic's autogenerate and create_all see it; defined in its own module.
from archive.models_boilerplate import LearnedLine  # noqa: E402

__all__ = ["Base", "CrawlRun", "Document", "Fetch", "LearnedLine", "Source", "Version", "utcnow"]


from archive import models_monitor as _monitor  # noqa: E402,F401 - registers the monitoring tables on Base.metadata
