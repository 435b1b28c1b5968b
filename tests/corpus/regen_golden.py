"""Regenerate tests/corpus/golden/*.json: each replica page (texts the project wrote, in realistic chrome) → the
clean text and metadata extract_page gives. Run it only when extraction changes on purpose, then review the
diff (git diff tests/corpus/golden) before committing:

    .venv/bin/python tests/corpus/regen_golden.py

It refuses to write a file whose text or facts disagree with what the replica article says it is (its
paragraphs, date, publisher, author, editor, document number): a golden file records a reviewed, correct
result, never a regression.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from corpus import extract_page  # noqa: E402
from replica import ARTICLES, render_article  # noqa: E402

BASE_URL = "http://127.0.0.1:8765"


def golden_record(article) -> dict:  # noqa: ANN001 - a replica.ReplicaArticle
    page = render_article(article)
    extraction = extract_page(page.encode(), BASE_URL + article.path)
    meta = extraction.metadata
    return {"path": article.path, "chrome": article.chrome, "script": article.script, "encoding": article.encoding,
            "title": extraction.title, "text": extraction.text, "published": meta.published,
            "publisher": meta.publisher, "author": meta.author, "editor": meta.editor,
            "doc_number": meta.extra.get("doc_number"),
            "removed_kinds": sorted({r.kind for r in extraction.removed})}


def disagreements(article, record: dict) -> list[str]:  # noqa: ANN001
    """Where the extraction differs from the facts the replica article was written with."""
    problems = []
    if record["text"].splitlines() != [p.strip() for p in article.paragraphs]:
        problems.append("text is not exactly the article's paragraphs")
    for field in ("published", "publisher", "author", "editor", "doc_number"):
        if record[field] != getattr(article, field):
            problems.append(f"{field}: {record[field]!r} != {getattr(article, field)!r}")
    return problems


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    failed = False
    for article in ARTICLES:
        record = golden_record(article)
        problems = disagreements(article, record)
        if problems:
            failed = True
            print(f"{article.id}: not written: " + "; ".join(problems))
            continue
        path = GOLDEN / f"{article.id}.json"
        path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
