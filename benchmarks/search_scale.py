"""Search at scale without the write path: bulk-fills N documents (current version only) and their search index.

The full `benchmarks/archive.py` ingests through `store_extraction` (versions, clusters, index in one transaction),
which takes hours at 100k documents here; this fills the same tables with the same synthetic texts in bulk (one
version per document, the third of `archive.py`'s, no clusters), so search can be measured at 100k in minutes.
The index rows hold exactly what `archive.search.index_document` would write (segmentation is per sentence here,
which is the same: jieba never joins words across 。！？).

    .ci/with-postgres .venv/bin/python benchmarks/search_scale.py [--docs 10000,100000]
        [--backend sqlite|postgresql|both] [--recall-max 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive import search  # noqa: E402
from archive.db import Database  # noqa: E402
from archive.segment import _line_words, subwords  # noqa: E402
from corpus.fingerprint import text_hash  # noqa: E402
from corpus.normalize import normalize_text  # noqa: E402


def _load_archive_bench():  # noqa: ANN202 - the benchmark module shares its name with the archive package
    import importlib.util

    spec = importlib.util.spec_from_file_location("archive_bench", REPO / "benchmarks" / "archive.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_bench = _load_archive_bench()
SOURCES, Corpus, query_set, recall = _bench.SOURCES, _bench.Corpus, _bench.query_set, _bench.recall
search_latency, sentence_pool = _bench.search_latency, _bench.sentence_pool
filtered_latency = getattr(_bench, "filtered_latency", None)
_SENTENCE = re.compile(r"(?<=[。！？])")


@lru_cache(maxsize=200_000)
def _sentence_words(sentence: str) -> tuple[str, ...]:
    return _line_words(sentence)


def fast_tokens(text_norm: str) -> str:
    """`segment.index_tokens`, segmenting sentence by sentence so the pool's sentences are cut once each."""
    body = [w for line in text_norm.split("\n") for s in _SENTENCE.split(line) if s for w in _sentence_words(s)]
    return " ".join(body + [s for w in body for s in subwords(w)])


def rows(corpus: Corpus, start: int, stop: int) -> list[dict]:
    out = []
    base = dt.datetime(2024, 1, 1)
    for i in range(start, stop):
        source, url, body, published = corpus.document(i, 3)
        norm = normalize_text(body)
        title = f"第{i}号文件"
        out.append({"id": i + 1, "source_id": SOURCES.index(source) + 1, "url": url, "title": title, "text": body,
                    "text_norm": norm, "hash": text_hash(norm), "published": published,
                    "published_on": dt.date.fromisoformat(published) if published else None,
                    "seen": base + dt.timedelta(minutes=i), "title_tokens": fast_tokens(title),
                    "tokens": fast_tokens(norm)})
    return out


def fill(db: Database, corpus: Corpus, start: int, stop: int, batch: int = 2000) -> float:
    t0 = time.perf_counter()
    sqlite = db.engine.dialect.name == "sqlite"
    with db.unit_of_work() as s:
        if start == 0:
            s.execute(text("INSERT INTO source (id, name, title, created_at) VALUES (:id, :name, '', :t)"),
                      [{"id": n + 1, "name": name, "t": dt.datetime(2024, 1, 1)} for n, name in enumerate(SOURCES)])
    for lo in range(start, stop, batch):
        batch_rows = rows(corpus, lo, min(stop, lo + batch))
        with db.unit_of_work() as s:
            s.execute(text("INSERT INTO document (id, source_id, url, first_seen, last_seen, version_count, kind) "
                           "VALUES (:id, :source_id, :url, :seen, :seen, 1, 'article')"), batch_rows)
            s.execute(text("INSERT INTO version (id, document_id, number, reason, title, text, text_norm, hash, "
                           "published, published_on, meta, extractor_version, first_seen, last_seen) VALUES (:id, "
                           ":id, 1, 'new', :title, :text, :text_norm, :hash, :published, :published_on, '{}', "
                           "'bench', :seen, :seen)"), batch_rows)
            s.execute(text("UPDATE document SET current_version_id = id WHERE id BETWEEN :lo AND :hi"),
                      {"lo": lo + 1, "hi": lo + len(batch_rows)})
            index_rows(s, batch_rows, sqlite)
        print(f"  {lo + len(batch_rows)} documents, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    with db.engine.connect() as c:
        if not sqlite:
            c.execute(text("ANALYZE"))
            c.execute(text("SELECT setval(pg_get_serial_sequence(t, 'id'), (SELECT max(id) FROM document)) "
                           "FROM unnest(ARRAY['document', 'version', 'source']) t"))
            c.commit()
    return time.perf_counter() - t0


def index_rows(session, batch_rows: list[dict], sqlite: bool) -> None:  # noqa: ANN001
    """What `search.index_document` writes, for many documents at once (through its own writer when it has one)."""
    writer = getattr(search, "write_index", None)
    if writer is not None:
        writer(session, [(r["id"], r["title_tokens"], r["tokens"]) for r in batch_rows])
        return
    params = [{"id": r["id"], "title": r["title_tokens"], "body": r["tokens"]} for r in batch_rows]
    if sqlite:
        session.execute(text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"), params)
    else:
        session.execute(text("INSERT INTO search_tsv (document_id, tsv) VALUES (:id, setweight(to_tsvector("
                             "'simple', :title), 'A') || to_tsvector('simple', :body))"), params)


def run(backend: str, url: str, args: argparse.Namespace, pool: list[str], terms: list[str]) -> None:
    db = Database(url)
    corpus, done = Corpus(pool), 0
    for checkpoint in args.docs:
        seconds = fill(db, corpus, done, checkpoint)
        done = checkpoint
        row = {"backend": backend, "documents": done, "fill_s": round(seconds), "search": search_latency(db, terms),
               "search_filtered": filtered_latency(db, terms) if filtered_latency else None}
        if done <= args.recall_max:
            row["recall"] = recall(db, terms)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", default="10000,100000")
    parser.add_argument("--backend", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--recall-max", type=int, default=10000)
    parser.add_argument("--keep", type=Path, help="build the SQLite file here and keep it")
    args = parser.parse_args()
    args.docs = [int(x) for x in args.docs.split(",")]
    pool = sentence_pool()
    terms = query_set(pool)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        if args.backend in ("sqlite", "both"):
            run("sqlite", f"sqlite:///{folder}/search.sqlite3", args, pool, terms)
        if args.backend in ("postgresql", "both"):
            admin = os.environ.get("POLICY_ARCHIVE_TEST_PG")
            if not admin:
                print("!!! PostgreSQL skipped: POLICY_ARCHIVE_TEST_PG is not set (use .ci/with-postgres)", flush=True)
                return
            eng = create_engine(admin.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
            with eng.connect() as c:
                c.execute(text("DROP DATABASE IF EXISTS bench_search"))
                c.execute(text("CREATE DATABASE bench_search"))
            eng.dispose()
            url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/bench_search"
            run("postgresql", url, args, pool, terms)


if __name__ == "__main__":
    main()
