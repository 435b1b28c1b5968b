"""Extraction benchmark: corpus.extract_page vs trafilatura (default, favor_precision), readability-lxml and justext
on the shared dev set, zh and en apart, all in one process and one run.

    .venv/bin/python benchmarks/extraction.py [--data ../shared/data/extraction] [--worst 5] [--preds out.jsonl]
        [--repeat 3] [--no-cleaner]

The metric is the shared folder's score.py (char-bigram P/R/F1, macro-averaged per language), imported from
there so every system is scored by exactly the same code. Baselines decode with the manifest's encoding as
score.py does; extract_page gets the raw bytes and decodes itself, as in production (so our docs/s include
decoding). Baselines need the `bench` extra (readability-lxml, justext).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "extraction"
sys.path.insert(0, str(REPO))

from corpus import extract_page  # noqa: E402


def load_score(data: Path):
    """The shared score.py as a module (it is a script, not an installed package)."""
    spec = importlib.util.spec_from_file_location("shared_score", data / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(raw: bytes, rec: dict) -> str:
    return extract_page(raw, rec.get("url")).text


def date_scores(recs: list[dict], data: Path) -> tuple[int, int, int, int, list[str]]:
    """Our publication dates against benchmarks/dates_zh.toml: (right, pages with a gold date, nulls kept on
    pages without one, pages without one), and the misses."""
    import tomllib

    gold = tomllib.loads((REPO / "benchmarks" / "dates_zh.toml").read_text(encoding="utf-8"))["dates"]
    right = dated = null_ok = undated = 0
    misses = []
    for rec in recs:
        if rec["id"] not in gold:
            continue
        published = extract_page((data / rec["html"]).read_bytes(), rec.get("url")).metadata.published
        day = published[:10] if published else None
        if gold[rec["id"]] == "none":
            undated += 1
            null_ok += day is None
        else:
            dated += 1
            right += day == gold[rec["id"]]
        if day != (None if gold[rec["id"]] == "none" else gold[rec["id"]]):
            misses.append(f"{rec['id']} {day} (gold {gold[rec['id']]})")
    return right, dated, null_ok, undated, misses


def trafilatura_default(raw: bytes, rec: dict) -> str:
    import trafilatura

    html = raw.decode(rec["encoding"], "replace")
    return trafilatura.extract(html, url=rec.get("url"), include_comments=False, include_tables=True,
                               output_format="txt") or ""


def trafilatura_precision(raw: bytes, rec: dict) -> str:
    import trafilatura

    html = raw.decode(rec["encoding"], "replace")
    return trafilatura.extract(html, url=rec.get("url"), include_comments=False, include_tables=True,
                               favor_precision=True, output_format="txt") or ""


def readability_lxml(raw: bytes, rec: dict) -> str:
    from lxml import html as lxml_html
    from readability import Document

    summary = Document(raw.decode(rec["encoding"], "replace")).summary(html_partial=True)
    return _block_text(lxml_html.fromstring(summary)) if summary.strip() else ""


def justext_paragraphs(raw: bytes, rec: dict) -> str:
    import justext

    stoplist = justext.get_stoplist("English") if rec["lang"] == "en" else frozenset()
    # justext has no Chinese stoplist; with an empty one its defaults classify everything as bad, so the
    # length-only settings its documentation gives for languages without a stoplist are used.
    options = {} if rec["lang"] == "en" else {"stopwords_low": 0, "stopwords_high": 0}
    paragraphs = justext.justext(raw.decode(rec["encoding"], "replace"), stoplist, **options)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def _block_text(root) -> str:  # noqa: ANN001 - an lxml element
    """Readability gives HTML: one line per block element, as the gold texts are written."""
    from lxml import etree

    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    etree.strip_elements(root, "script", "style", with_tail=False)
    return "\n".join(line.strip() for line in root.text_content().splitlines() if line.strip())


_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
                         "table", "ul", "ol", "dd", "dt", "section", "article"})
SYSTEMS = (("trafilatura default", trafilatura_default), ("trafilatura precision", trafilatura_precision),
           ("readability-lxml", readability_lxml), ("justext", justext_paragraphs), ("corpus.extract_page", ours))


def run_all(systems, recs: list[dict], data: Path, score, repeat: int = 3) -> dict[str, dict[str, dict]]:
    """Per system and language: P, R, F1 (macro), docs/s and the per-page rows.

    Systems take turns page by page (not one whole pass each), and each page's time is the best of `repeat`
    runs (as timeit does), so load from other processes on a shared machine does not decide the speed ratios.
    """
    rows: dict[str, dict[str, list]] = {name: defaultdict(list) for name, _ in systems}
    seconds: dict[str, dict[str, float]] = {name: defaultdict(float) for name, _ in systems}
    for rec in recs:
        raw = (data / rec["html"]).read_bytes()
        gold = (data / rec["gold"]).read_text(encoding="utf-8")
        for name, system in systems:
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                try:
                    text = system(raw, rec)
                except Exception:  # noqa: BLE001 - a baseline crashing on a page scores 0 there, as empty output
                    text = ""
                best = min(best, time.perf_counter() - start)
            seconds[name][rec["lang"]] += best
            rows[name][rec["lang"]].append((rec["id"], *score.prf(text, gold), text))
    out: dict[str, dict[str, dict]] = {}
    for name, by_lang in rows.items():
        out[name] = {}
        for lang, lang_rows in by_lang.items():
            n = len(lang_rows)
            p, r, f = (sum(row[i] for row in lang_rows) / n for i in (1, 2, 3))
            out[name][lang] = {"name": name, "pages": n, "P": p, "R": r, "F1": f,
                               "docs_s": n / seconds[name][lang], "rows": lang_rows}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--worst", type=int, default=5, help="list this many worst pages of ours per language")
    parser.add_argument("--preds", type=Path, help="write our predictions as JSONL (id, text) for score.py")
    parser.add_argument("--repeat", type=int, default=3, help="time each page this many times, keep the best")
    parser.add_argument("--no-cleaner", action="store_true", help="skip the cleaner's line-labelled scores")
    args = parser.parse_args()
    if not (args.data / "manifest.jsonl").is_file():
        sys.exit(f"no extraction set at {args.data} (expected manifest.jsonl there)")
    score = load_score(args.data)
    recs = [json.loads(line) for line in (args.data / "manifest.jsonl").open(encoding="utf-8")]
    extract_page(b"<html><body><p>warm-up</p></body></html>")  # load rules and OpenCC once, outside the timing
    results = run_all(SYSTEMS, recs, args.data, score, repeat=args.repeat)
    mine, base = results["corpus.extract_page"], results["trafilatura default"]
    for lang in sorted(mine):
        for result in (r[lang] for r in results.values()):
            print(f"{lang} {result['name']:<22} pages={result['pages']} P={result['P']:.3f} R={result['R']:.3f} "
                  f"F1={result['F1']:.3f} docs/s={result['docs_s']:.1f}")
        best = max((r[lang] for name, r in results.items() if r is not mine), key=lambda r: r["F1"])
        print(f"{lang} ours - best baseline ({best['name']}): F1 {mine[lang]['F1'] - best['F1']:+.4f}; "
              f"speed ours/trafilatura default {mine[lang]['docs_s'] / base[lang]['docs_s']:.2f}")
        worst = sorted(mine[lang]["rows"], key=lambda row: row[3])[: args.worst]
        print(f"{lang} worst: " + ", ".join(f"{row[0]} {row[3]:.2f}" for row in worst))
    right, dated, null_ok, undated, misses = date_scores(recs, args.data)
    print(f"zh dates: right day on {right}/{dated} = {right / dated:.3f} of pages with a visible date; "
          f"null on {null_ok}/{undated} pages without one; misses: {', '.join(misses) or 'none'}")
    if not args.no_cleaner:  # the cleaner alone on line-labelled texts (benchmarks/cleaner.py)
        import cleaner

        results, _ = cleaner.score([*cleaner.seed_documents(cleaner.DEFAULT_SEEDS), *cleaner.replica_documents()])
        print("\n".join(cleaner.report(results)))
    if args.preds:
        with args.preds.open("w", encoding="utf-8") as handle:
            for lang_result in mine.values():
                for row in lang_result["rows"]:
                    handle.write(json.dumps({"id": row[0], "text": row[4]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
