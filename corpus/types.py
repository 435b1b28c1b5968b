"""Value types that corpus hands to the rest of the system."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Removal:
    """One line the cleaner took out of the body, and why."""

    line: str
    kind: str  # e.g. "toolbar", "meta", "spam", "share", "disclaimer", "sharing_banner", "related", ...
    rule: str  # id of the rule (or "learned:<source>") that matched


@dataclass(frozen=True)
class Metadata:
    """Facts about a document found on its page or in its meta lines."""

    title: str | None = None
    published: str | None = None  # ISO 8601; "2024-01-19T13:10:00+08:00" when a time is shown, else "2024-01-19"
    publisher: str | None = None  # 来源
    author: str | None = None  # 作者
    editor: str | None = None  # 编辑 / 责任编辑
    extra: Mapping[str, str] = field(default_factory=dict)  # e.g. {"doc_number": "国办发〔2023〕12号"}


@dataclass(frozen=True)
class Cleaned:
    """A body after the junk rules ran: what stays, what moved to metadata, what was removed."""

    text: str  # original script, one paragraph per line
    metadata: Metadata
    removed: tuple[Removal, ...] = ()


@dataclass(frozen=True)
class Piece:
    """One document of a compilation (汇编): its title as the 目录 lists it, its clean text, its 1-based place."""

    title: str
    text: str
    number: int


@dataclass(frozen=True)
class Extraction:
    """Everything the archive needs from one fetched page."""

    title: str | None
    text: str  # clean body in the page's own script, one paragraph per line ("" when nothing usable)
    text_norm: str  # normalised form (simplified script, folded widths, collapsed whitespace) for hashing/search
    hash: str  # sha256 hex of text_norm
    metadata: Metadata
    removed: tuple[Removal, ...] = ()
    encoding: str | None = None  # what decoded the bytes
    canonical_url: str | None = None  # <link rel="canonical"> as found on the page (absolute), not yet validated
    reason: str | None = None  # why text is empty (e.g. "no main text", "binary content"), else None
    replaced: int = 0  # bytes that could not be decoded and became U+FFFD (recorded, not fatal)
    pieces: tuple[Piece, ...] = ()  # a compilation's documents (corpus.compilation), each stored as a child
    extracted: str = ""  # the main text as trafilatura gave it, before cleaning (what --explain walks through)
