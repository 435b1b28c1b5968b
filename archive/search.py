"""Chinese full-text search: segmented words in SQLite FTS5 or a PostgreSQL tsvector, ranked, with snippets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from archive.segment import index_tokens, query_terms

# Not SQLAlchemy models: the virtual table / tsvector column need dialect DDL (migration 0004); db.include_name
# keeps them out of the drift check.
SEARCH_TABLES = ("search_fts", "search_tsv")
SQLITE_DDL = ("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')",)
POSTGRES_DDL = (
    "CREATE TABLE search_tsv (document_id INTEGER PRIMARY KEY REFERENCES document (id), tsv tsvector NOT NULL)",
    "CREATE INDEX ix_search_tsv_tsv ON search_tsv USING gin (tsv)",
)


class SearchError(ValueError):
    """The query cannot be searched (e.g. only punctuation)."""


@dataclass(frozen=True)
class SearchFilter:
    source: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int = 20


@dataclass(frozen=True)
class Hit:
    document_id: int
    score: float  # higher is better
    highlights: list[tuple[int, int]] = field(default_factory=list)


def index_document(session: Session, document_id: int, title: str | None, text_norm: str) -> None:
    """(Re)index a document's current version; runs inside the caller's transaction, beside the version insert."""
    from corpus.normalize import normalize_text

    index_many(session, [(document_id, index_tokens(normalize_text(title or "")), index_tokens(text_norm))])


def index_many(session: Session, rows: list[tuple[int, str, str]]) -> None:
    """(Re)index documents from precomputed tokens (archive.prepare): (document id, title tokens, body tokens)."""
    if not rows:
        return
    params = [{"id": d, "title": t, "body": b} for d, t, b in rows]
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), params)
        session.execute(text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"), params)
    else:
        session.execute(text(
            "INSERT INTO search_tsv (document_id, tsv) VALUES (:id, setweight(to_tsvector('simple', :title), 'A') "
            "|| to_tsvector('simple', :body)) ON CONFLICT (document_id) DO UPDATE SET tsv = excluded.tsv"), params)


def _fts5_query(terms: list[list[str]]) -> str:
    return " AND ".join('"' + " ".join(w.replace('"', '""') for w in words) + '"' for words in terms)


def _filters(flt: SearchFilter, params: dict[str, Any]) -> str:
    where = []
    if flt.source:
        where.append("s.name = :source")
        params["source"] = flt.source
    if flt.since:
        where.append("v.published_on >= :since")
        params["since"] = flt.since
    if flt.until:
        where.append("v.published_on <= :until")
        params["until"] = flt.until
    return "".join(f" AND {w}" for w in where)


def search_ids(session: Session, query: str, flt: SearchFilter) -> list[tuple[int, float]]:
    """Document ids matching every term of the query (each term as a phrase), best first."""
    terms = query_terms(query)
    if not terms:
        raise SearchError(f"the query {query!r} has nothing to search for (no letters, digits or Chinese characters)")
    params: dict[str, Any] = {"limit": flt.limit}
    filters = _filters(flt, params)
    # the index holds current versions only, so without filters no join is needed: every match is ranked, and the
    # joins would cost a lookup per match
    joins = ("JOIN document d ON d.id = {id} JOIN version v ON v.id = d.current_version_id "
             "JOIN source s ON s.id = d.source_id") if filters else ""
    if session.get_bind().dialect.name == "sqlite":
        params["q"] = _fts5_query(terms)
        sql = (f"SELECT f.rowid, bm25(search_fts, 3.0, 1.0) AS rank FROM search_fts f {joins.format(id='f.rowid')} "
               f"WHERE search_fts MATCH :q{filters} ORDER BY rank LIMIT :limit")
        return [(i, -r) for i, r in session.execute(text(sql), params)]
    tsq = " && ".join(f"phraseto_tsquery('simple', :t{n})" for n in range(len(terms)))
    params |= {f"t{n}": " ".join(words) for n, words in enumerate(terms)}
    sql = (f"SELECT t.document_id, ts_rank_cd(t.tsv, q.q) AS rank FROM search_tsv t CROSS JOIN (SELECT {tsq} AS q) q "
           f"{joins.format(id='t.document_id')} WHERE t.tsv @@ q.q{filters} "
           "ORDER BY rank DESC, t.document_id DESC LIMIT :limit")
    return [(i, float(r)) for i, r in session.execute(text(sql), params)]


def search_terms(query: str) -> list[str]:
    """The query's terms as they appear in normalised text (for highlighting)."""
    return ["".join(words) for words in query_terms(query)]
