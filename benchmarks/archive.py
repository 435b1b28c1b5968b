"""Archive benchmark: a synthetic archive (N documents x 3 versions) on SQLite and PostgreSQL.

Texts are built at run time from the client's seeds and the shared gold texts (../shared), never stored here:
sentences are sampled into documents, with varied numbers and places; a share of documents are reposts (traditional
script, sharing-site banners) of earlier ones. Measures ingest rate, storage per version against raw text, export
docs/s, search latency p50/p95 over 100 queries (also with --source/--since/--until) and recall on 2/3/4-character terms, and the cost of clustering one
new document — at each checkpoint (default 10k and 100k documents), so growth shows.

    .ci/with-postgres .venv/bin/python benchmarks/archive.py [--docs 100000] [--checkpoints 10000,100000]
        [--backend sqlite|postgresql|both] [--json results.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"

from archive.db import Database  # noqa: E402
from archive.prepare import prepare_many  # noqa: E402
from archive.store import Incoming, ensure_source, store_batch  # noqa: E402
from corpus import Extraction, Metadata  # noqa: E402
from corpus.fingerprint import text_hash  # noqa: E402
from corpus.normalize import normalize_text  # noqa: E402

SOURCES = ["gov", "party", "people", "xinhua", "county", "share"]
PLACES = ["青山县", "临江市", "云溪镇", "石门村", "东湖区", "南岭乡", "白水县", "清河镇", "长宁区", "金沙村"]


def sentence_pool() -> list[str]:
    files = sorted((SHARED / "seeds").glob("*.txt")) + sorted((SHARED / "data/extraction/zh").glob("*.gold.txt"))
    if not files:
        sys.exit(f"no seeds or gold texts under {SHARED}: the shared data must sit beside the repository")
    pool = []
    for f in files:
        for s in re.split(r"(?<=[。！？])", f.read_text(encoding="utf-8")):
            s = s.strip()
            if 12 <= len(s) <= 160 and re.search(r"[\u4e00-\u9fff]{6}", s):
                pool.append(s)
    return sorted(set(pool))


class Corpus:
    """Deterministic synthetic documents: doc i, version v."""

    def __init__(self, pool: list[str], seed: int = 7) -> None:
        self.pool, self.seed = pool, seed

    def _rng(self, *key: int) -> random.Random:
        return random.Random(hash((self.seed, *key)))

    def original(self, i: int) -> list[str]:
        rng = self._rng(i)
        paras = []
        for _ in range(rng.randint(4, 9)):
            sents = rng.sample(self.pool, rng.randint(2, 4))
            paras.append("".join(sents).replace("我们", rng.choice(PLACES), 1))
        paras.append(f"（{rng.choice(PLACES)}第{i}号材料，{rng.randint(2015, 2025)}年）")
        return paras

    def version(self, i: int, v: int) -> list[str]:
        paras = self.original(i)
        rng = self._rng(i, v)
        for _ in range(v - 1):  # each later version edits one paragraph and appends a sentence
            k = rng.randrange(len(paras))
            paras[k] = paras[k] + rng.choice(self.pool)
        return paras

    def document(self, i: int, v: int) -> tuple[str, str, str, str | None]:
        """(source, url, text, published); every 20th document reposts an earlier one."""
        rng = self._rng(i, 99)
        published = (dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000))).isoformat()
        if i % 20 == 19 and i > 40:
            orig = rng.randrange(i - 40, i)
            body = self.version(orig, 1)
            if i % 40 == 19:
                body = [_s2t().convert(p) for p in body]
                return "party", f"http://big5.example.cn/{i}.html", "\n".join(body), published
            body = ["由会员分享，更多范文请搜索本站", *body, "本文内容由互联网用户自发贡献，如若转载请注明出处。"]
            return "share", f"http://doc.share.example/{i}.html", "\n".join(body), None
        source = SOURCES[i % 5]
        return source, f"http://www.{source}.example.gov.cn/{i // 1000}/{i}.html", "\n".join(self.version(i, v)), \
            published


@lru_cache(maxsize=1)
def _s2t():  # noqa: ANN202
    import opencc

    return opencc.OpenCC("s2t")


def extraction(body: str, title: str, published: str | None) -> Extraction:
    norm = normalize_text(body)
    return Extraction(title=title, text=body, text_norm=norm, hash=text_hash(norm),
                      metadata=Metadata(published=published, publisher="示例"))


def ingest(db: Database, corpus: Corpus, start: int, stop: int, batch: int = 250, pool: Executor | None = None,
           workers: int = 1) -> tuple[int, int, float]:
    """Documents [start, stop), three versions each (v1 for a batch, then v2, then v3), through store_batch — the
    crawler's write path — one transaction per batch; index tokens and sketches are prepared in `pool` (as the
    crawler's extraction workers do), the next batch's while this one is written. Returns versions, raw bytes, s."""
    t0, versions, raw = time.perf_counter(), 0, 0
    base = dt.datetime(2024, 1, 1)

    def make(lo: int, v: int) -> tuple[list, list, list]:
        rows = [(i, *corpus.document(i, v)) for i in range(lo, min(stop, lo + batch))]
        extractions = [extraction(body, f"第{i}号文件", published) for i, _s, _u, body, published in rows]
        pairs = [(e.title, e.text_norm) for e in extractions]
        if pool is None:
            return rows, extractions, [prepare_many(pairs)]
        step = -(-len(pairs) // workers)
        return rows, extractions, [pool.submit(prepare_many, pairs[k:k + step]) for k in range(0, len(pairs), step)]

    steps = [(lo, v) for lo in range(start, stop, batch) for v in (1, 2, 3)]
    ahead = make(*steps[0]) if steps else None
    for n, (_lo, v) in enumerate(steps):
        rows, extractions, prepared = ahead
        ahead = make(*steps[n + 1]) if n + 1 < len(steps) else None
        ready = [p for part in prepared for p in (part.result() if isinstance(part, Future) else part)]
        with db.unit_of_work() as s:
            ids = {name: ensure_source(s, name).id for name in SOURCES}
            items = [Incoming(ids[source], url, e, base + dt.timedelta(minutes=i, seconds=v), prepared=p)
                     for (i, source, url, _b, _p), e, p in zip(rows, extractions, ready, strict=True)]
            for out, (_i, _s, _u, body, _p) in zip(store_batch(s, items), rows, strict=True):
                if out.outcome in ("new", "changed"):
                    versions += 1
                    raw += len(body.encode())
    return versions, raw, time.perf_counter() - t0


def storage_bytes(db: Database) -> int:
    if db.engine.dialect.name == "sqlite":
        raw = db.engine.raw_connection()  # outside any transaction, or SQLite refuses to checkpoint
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        path = db.engine.url.database
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    with db.engine.connect() as c:
        c.execute(text("CHECKPOINT"))
        return c.execute(text("SELECT pg_database_size(current_database())")).scalar()


def export_rate(db: Database) -> tuple[int, float]:
    from archive.export import write_export
    from archive.pulls import Pull, iter_records

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with db.reading() as s:
            n = write_export(iter_records(s, Pull()), "jsonl", Path(tmp) / "all.jsonl")
        return n, time.perf_counter() - t0


def query_set(pool: list[str], n: int = 100, seed: int = 3) -> list[str]:
    """2-, 3- and 4-character terms: dictionary words found in the pool's sentences, a third of each length."""
    from archive.segment import words

    rng = random.Random(seed)
    by_len: dict[int, list[str]] = {2: [], 3: [], 4: []}
    for s in rng.sample(pool, min(len(pool), 3000)):
        for w in words(normalize_text(s)):
            if len(w) in by_len and re.fullmatch(r"[\u4e00-\u9fff]+", w):
                by_len[len(w)].append(w)
    terms = []
    for k in (2, 3, 4):
        uniq = sorted(set(by_len[k]))
        terms += rng.sample(uniq, min(len(uniq), n // 3 + (1 if k == 2 else 0)))
    return terms[:n]


def search_latency(db: Database, terms: list[str]) -> dict[str, float]:
    from archive.pulls import search_records

    times = []
    for q in terms:
        t0 = time.perf_counter()
        with db.reading() as s:
            search_records(s, q, limit=20)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
            "max_ms": round(times[-1], 2)}


def filtered_latency(db: Database, terms: list[str]) -> dict[str, float]:
    """search with --source and a 2.5-year --since/--until range (about a tenth of the matches pass)."""
    from archive.pulls import search_records

    times = []
    for n, q in enumerate(terms):
        t0 = time.perf_counter()
        with db.reading() as s:
            search_records(s, q, source=SOURCES[n % 5], since=dt.date(2021, 1, 1), until=dt.date(2023, 6, 30),
                           limit=20)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
            "max_ms": round(times[-1], 2)}


def recall(db: Database, terms: list[str]) -> dict[str, float]:
    """Per term length: documents the search finds / documents whose current text contains the term."""
    from archive.search import SearchFilter, search_ids

    found_by: dict[int, list[int]] = {2: [0, 0], 3: [0, 0], 4: [0, 0]}
    with db.reading() as s:
        for q in terms:
            truth = set(s.execute(text("SELECT d.id FROM document d JOIN version v ON v.id = d.current_version_id "
                                       "WHERE v.text_norm LIKE :p"), {"p": f"%{q}%"}).scalars())
            got = {i for i, _ in search_ids(s, q, SearchFilter(limit=10**9))}
            found_by[len(q)][0] += len(truth & got)
            found_by[len(q)][1] += len(truth)
    return {f"{k}_chars": round(f / t, 4) if t else 1.0 for k, (f, t) in found_by.items()}


def cluster_cost(db: Database, corpus: Corpus, at: int, n: int = 200) -> float:
    """ms to sketch and cluster one new document (in a transaction rolled back, so the archive is unchanged)."""
    from sqlalchemy.orm import Session

    from archive.clusters import assign
    from archive.models import Document

    total = 0.0
    with db.engine.connect() as conn:
        session = Session(bind=conn)
        trans = conn.begin()
        for k in range(n):
            _source, url, body, _ = corpus.document(at + 10**7 + k, 1)
            doc = Document(source_id=1, url=url + "?bench", version_count=0)
            session.add(doc)
            session.flush()
            norm = normalize_text(body)
            t0 = time.perf_counter()
            assign(session, doc.id, 1, norm)
            total += time.perf_counter() - t0
        trans.rollback()
        session.close()
    return round(total / n * 1000, 3)


def run(backend: str, url: str, args: argparse.Namespace, pool: list[str], terms: list[str]) -> list[dict]:
    db = Database(url)
    corpus = Corpus(pool)
    results, done, versions, raw, seconds = [], 0, 0, 0, 0.0
    workers = ProcessPoolExecutor(args.workers) if args.workers else None
    for checkpoint in args.checkpoints:
        v, r, t = ingest(db, corpus, done, checkpoint, pool=workers, workers=max(1, args.workers))
        versions, raw, seconds, done = versions + v, raw + r, seconds + t, checkpoint
        size = storage_bytes(db)
        n, et = export_rate(db)
        row = {"backend": backend, "documents": done, "versions": versions,
               "ingest_versions_per_s": round(v / t, 1), "raw_text_bytes_per_version": round(raw / versions),
               "storage_bytes_per_version": round(size / versions), "storage_vs_raw": round(size / raw, 2),
               "export_docs": n, "export_docs_per_s": round(n / et), "search": search_latency(db, terms),
               "search_filtered": filtered_latency(db, terms), "cluster_ms_per_new_doc": cluster_cost(db, corpus, done)}
        if done <= args.recall_max:
            row["recall"] = recall(db, terms)
        with db.reading() as s:
            row["clusters_of_2_plus"] = s.execute(text("SELECT count(*) FROM cluster WHERE size >= 2")).scalar()
        print(json.dumps(row, ensure_ascii=False), flush=True)
        results.append(row)
    if workers is not None:
        workers.shutdown()
    db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", default="10000,100000")
    parser.add_argument("--backend", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--recall-max", type=int, default=10000, help="measure recall at checkpoints up to this size")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes preparing index tokens and sketches during ingest (0: in the writing process)")
    args = parser.parse_args()
    args.checkpoints = [int(x) for x in args.checkpoints.split(",")]
    pool = sentence_pool()
    terms = query_set(pool)
    print(f"{len(pool)} sentences in the pool, {len(terms)} queries", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            results += run("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args, pool, terms)
        if args.backend in ("postgresql", "both"):
            admin = os.environ.get("POLICY_ARCHIVE_TEST_PG")
            if not admin:
                print("!!! PostgreSQL skipped: POLICY_ARCHIVE_TEST_PG is not set (use .ci/with-postgres)", flush=True)
            else:
                eng = create_engine(admin.replace("postgresql://", "postgresql+psycopg://"),
                                    isolation_level="AUTOCOMMIT")
                with eng.connect() as c:
                    c.execute(text("DROP DATABASE IF EXISTS bench_archive"))
                    c.execute(text("CREATE DATABASE bench_archive"))
                url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/bench_archive"
                results += run("postgresql", url, args, pool, terms)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
