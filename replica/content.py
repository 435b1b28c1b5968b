"""The replica site's articles: a small typed record, loaded from data/articles.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

DATA_FILE = Path(__file__).with_name("data") / "articles.toml"

Script = Literal["simplified", "traditional"]
Encoding = Literal["utf-8", "gbk"]
CHROMES = ("party", "gov", "docshare", "repost")


@dataclass(frozen=True)
class ReplicaArticle:
    """One article as the replica serves it; the facts the e2e tests expect back from the archive.

    `header_charset` exists so one GBK page can declare its charset only in <meta>, as some
    real sites do, while another also sends it in the HTTP Content-Type header.
    """

    id: int
    year: int
    title: str
    paragraphs: list[str]
    published: str  # ISO 8601 with +08:00
    publisher: str
    author: str | None = None
    editor: str | None = None
    script: Script = "simplified"
    encoding: Encoding = "utf-8"
    chrome: str = "party"
    header_charset: bool = True
    doc_number: str | None = None  # 发文字号, shown in the gov info box

    def __post_init__(self) -> None:
        # Frozen dataclass: normalise a tuple/iterable of paragraphs to a fresh list once.
        object.__setattr__(self, "paragraphs", [str(p) for p in self.paragraphs])
        if self.chrome not in CHROMES:
            raise ValueError(f"unknown chrome {self.chrome!r}; expected one of {CHROMES}")
        if self.script not in ("simplified", "traditional"):
            raise ValueError(f"unknown script {self.script!r}")
        if self.encoding not in ("utf-8", "gbk"):
            raise ValueError(f"unknown encoding {self.encoding!r}")
        if self.published_at.utcoffset() is None:
            raise ValueError(f"published {self.published!r} needs a UTC offset")

    @property
    def path(self) -> str:
        return f"/art/{self.year}/{self.id}.html"

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.published)

    @classmethod
    def from_dict(cls, data: dict) -> ReplicaArticle:
        """Build from a data-file entry or an admin-API JSON object (`text` or `paragraphs`)."""
        data = dict(data)
        if "text" in data:
            text = data.pop("text")
            data["paragraphs"] = [line.strip() for line in text.splitlines() if line.strip()]
        if "year" not in data and "published" in data:
            data["year"] = int(data["published"][:4])
        return cls(**data)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "year": self.year,
            "title": self.title,
            "paragraphs": list(self.paragraphs),
            "published": self.published,
            "publisher": self.publisher,
            "author": self.author,
            "editor": self.editor,
            "script": self.script,
            "encoding": self.encoding,
            "chrome": self.chrome,
            "header_charset": self.header_charset,
            "doc_number": self.doc_number,
            "path": self.path,
        }


def load_articles(path: Path = DATA_FILE) -> list[ReplicaArticle]:
    """Read the article data file; texts live there, not in code."""
    with path.open("rb") as fh:
        entries = tomllib.load(fh)["article"]
    return [ReplicaArticle.from_dict(entry) for entry in entries]


ARTICLES: list[ReplicaArticle] = load_articles()
