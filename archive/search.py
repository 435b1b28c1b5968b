"""Chinese full-text search: segmented words in SQLite FTS5 or a PostgreSQL tsvector, ranked, with snippets.

Ranking reads each ranked document's index entry (FTS5 position lists for bm25, a TOASTed tsvector for ts_rank_cd),
so ranking every match makes common words (发展, 党建) cost O(archive). Instead only the newest RANK_CANDIDATES
matches (highest document id = most recently archived, an order both indexes give cheaply) are ranked; an archive
with fewer matches than that is ranked exactly. `limit` above RANK_CANDIDATES widens the set, so "all hits" stays
all hits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, TextClause, column, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from archive.segment import index_tokens, query_terms

# Not SQLAlchemy models: the virtual table / tsvector column need dialect DDL (migrations 0004, 0007);
# db.include_name keeps them out of the drift check.
SEARCH_TABLES = ("search_fts", "search_fts_doc", "search_tsv")
RANK_CANDIDATES = 1000  # ~1.5 ms of bm25 on SQLite, ~15 ms of ts_rank_cd on PostgreSQL


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

    write_index(session, [(document_id, index_tokens(normalize_text(title or "")), index_tokens(text_norm))])


def write_index(session: Session, entries: Sequence[tuple[int, str, str]]) -> None:
    """(document id, title tokens, body tokens) into the index, with the document's source and its current version's
    publication date beside it (search_fts_doc / search_tsv columns), so filtered searches never join per match.
    Callers set `document.current_version_id` first (store_extraction does)."""
    if not entries:
        return
    params = [{"id": i, "title": title, "body": body} for i, title, body in entries]
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), params)
        session.execute(text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"), params)
        session.execute(text(
            "INSERT OR REPLACE INTO search_fts_doc (document_id, source_id, published_on) SELECT d.id, d.source_id, "
            "v.published_on FROM document d LEFT JOIN version v ON v.id = d.current_version_id WHERE d.id = :id"),
            params)
        return
    session.execute(text(
        "INSERT INTO search_tsv (document_id, source_id, published_on, tsv) SELECT d.id, d.source_id, "
        "v.published_on, setweight(to_tsvector('simple', :title), 'A') || to_tsvector('simple', :body) "
        "FROM document d LEFT JOIN version v ON v.id = d.current_version_id WHERE d.id = :id "
        "ON CONFLICT (document_id) DO UPDATE SET source_id = excluded.source_id, "
        "published_on = excluded.published_on, tsv = excluded.tsv"), params)


def query_terms_or_fail(query: str) -> list[list[str]]:
    terms = query_terms(query)
    if not terms:
        raise SearchError(f"the query {query!r} has nothing to search for (no letters, digits or Chinese characters)")
    return terms


def _fts5_query(terms: list[list[str]]) -> str:
    return " AND ".join('"' + " ".join(w.replace('"', '""') for w in words) + '"' for words in terms)


def _tsquery(terms: list[list[str]], params: dict[str, Any], fn: str = "phraseto_tsquery") -> str:
    """Every term as a phrase (`phraseto_tsquery`), or just all its words (`plainto_tsquery`)."""
    params |= {f"t{n}": " ".join(words) for n, words in enumerate(terms)}
    return "(" + " && ".join(f"{fn}('simple', :t{n})" for n in range(len(terms))) + ")"


def _filters(flt: SearchFilter, params: dict[str, Any], alias: str) -> str:
    """SQL conditions on the index's own source_id / published_on (table alias `alias`)."""
    where = []
    if flt.source:
        where.append(f"{alias}.source_id = (SELECT id FROM source WHERE name = :source)")
        params["source"] = flt.source
    if flt.since:
        where.append(f"{alias}.published_on >= :since")
        params["since"] = flt.since
    if flt.until:
        where.append(f"{alias}.published_on <= :until")
        params["until"] = flt.until
    return "".join(f" AND {w}" for w in where)


def matching_ids(session: Session, query: str) -> TextualSelect:
    """Ids of the documents whose current version matches `query` as `search` does (for docs list / export)."""
    terms = query_terms_or_fail(query)
    if session.get_bind().dialect.name == "sqlite":
        stmt: TextClause = text("SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :fts_q")
        stmt = stmt.bindparams(fts_q=_fts5_query(terms))
    else:
        params: dict[str, Any] = {}
        stmt = text(f"SELECT document_id AS id FROM search_tsv WHERE tsv @@ {_tsquery(terms, params)}")
        stmt = stmt.bindparams(**params)
    return stmt.columns(column("id", Integer))


def search_ids(session: Session, query: str, flt: SearchFilter) -> list[tuple[int, float]]:
    """Document ids matching every term of the query (each term as a phrase), best first."""
    terms = query_terms_or_fail(query)
    if session.get_bind().dialect.name == "sqlite":
        return _search_fts5(session, terms, flt)
    return _search_tsv(session, terms, flt)


def _search_fts5(session: Session, terms: list[list[str]], flt: SearchFilter) -> list[tuple[int, float]]:
    """FTS5 walks a match's rowids newest first without ranking, so finding the RANK_CANDIDATES-th newest is cheap;
    bm25 then runs on `rowid >= that` only. Filters read the small search_fts_doc row of each match."""
    params: dict[str, Any] = {"q": _fts5_query(terms), "limit": flt.limit, "k": max(RANK_CANDIDATES, flt.limit)}
    filters = _filters(flt, params, "m")
    joins = "JOIN search_fts_doc m ON m.document_id = f.rowid" if filters else ""
    base = f"FROM search_fts f {joins} WHERE search_fts MATCH :q{filters}"
    params["floor"] = session.execute(text(f"SELECT f.rowid {base} ORDER BY f.rowid DESC LIMIT 1 OFFSET :k - 1"),
                                      params).scalar() or 0
    sql = (f"SELECT f.rowid, bm25(search_fts, 3.0, 1.0) AS rank {base} AND f.rowid >= :floor "
           "ORDER BY rank, f.rowid DESC LIMIT :limit")
    return [(i, -r) for i, r in session.execute(text(sql), params)]


def _search_tsv(session: Session, terms: list[list[str]], flt: SearchFilter) -> list[tuple[int, float]]:
    """Candidates come from the GIN index alone: all of a query's words (no phrase: GIN answers that without reading
    the tsvectors), with the filters kept on the same row, newest first. Only those are read to check phrases and
    rank. A phrase query takes further chunks until it has RANK_CANDIDATES phrase matches or none are left."""
    k = max(RANK_CANDIDATES, flt.limit)
    params: dict[str, Any] = {"k": k}
    words = _tsquery(terms, params, "plainto_tsquery")
    filters = _filters(flt, params, "t")
    phrases = any(len(w) > 1 for w in terms)
    rank_sql = _rank_sql(_tsquery(terms, params), phrases)
    # `+ 0`: ordering by the bare primary key tempts the planner into a backward key scan that reads every
    # tsvector it passes; the bitmap from GIN reads none
    pick = (f"SELECT t.document_id FROM search_tsv t WHERE t.tsv @@ {words}{filters}"
            " AND t.document_id + 0 < :before ORDER BY t.document_id + 0 DESC LIMIT :k")
    found: list[tuple[int, float]] = []
    params["before"] = 2**31 - 1
    while len(found) < k:
        # the planner prices `tsv @@` as cheap, so on a small table it prefers a sequential scan that detoasts
        # every tsvector; the GIN bitmap detoasts none
        session.execute(text("SET LOCAL enable_seqscan = off"))
        ids = list(session.execute(text(pick), params).scalars())
        session.execute(text("RESET enable_seqscan"))
        if ids:
            found += [(i, float(r)) for i, r in session.execute(text(rank_sql), params | {"ids": ids})]
        if len(ids) < k or not phrases:
            break
        params["before"] = ids[-1]
    found = sorted(found, reverse=True)[:k]
    return sorted(found, key=lambda hit: (-hit[1], -hit[0]))[:flt.limit]


def _rank_sql(phrase_query: str, check: bool) -> str:
    """ts_rank_cd of the candidates (`:ids`); with `check`, only those holding every phrase. OFFSET 0 keeps the
    planner from turning the phrase check back into an index scan over all matches."""
    rank = f"ts_rank_cd(t.tsv, {phrase_query})"
    if not check:
        return f"SELECT t.document_id, {rank} FROM search_tsv t WHERE t.document_id = ANY(:ids)"
    return ("SELECT document_id, rank FROM (SELECT t.document_id, CASE WHEN t.tsv @@ q.q THEN ts_rank_cd(t.tsv, q.q) "
            f"END AS rank FROM (SELECT document_id, tsv || ''::tsvector AS tsv FROM search_tsv "
            f"WHERE document_id = ANY(:ids) OFFSET 0) t CROSS JOIN (SELECT {phrase_query} AS q) q OFFSET 0) x "
            "WHERE rank IS NOT NULL")


def text_matches(terms: list[list[str]], title: str | None, text_norm: str) -> bool:
    """What the index would answer for this title and text: every term's words, in a row, in the title's or the
    body's tokens (for texts that are not indexed, e.g. an older version)."""
    from corpus.normalize import normalize_text

    columns = [index_tokens(normalize_text(title or "")).split(), index_tokens(text_norm).split()]
    return all(any(_has_phrase(tokens, words) for tokens in columns) for words in terms)


def _has_phrase(tokens: list[str], words: list[str]) -> bool:
    n = len(words)
    return any(tokens[i:i + n] == words for i, token in enumerate(tokens) if token == words[0])


def search_terms(query: str) -> list[str]:
    """The query's terms as they appear in normalised text (for highlighting)."""
    return ["".join(words) for words in query_terms(query)]
