"""The cleaner alone on line-labelled page texts: junk-line recall, content kept, meta moved out, defects repaired.

    .venv/bin/python benchmarks/cleaner.py [--seeds ../shared/seeds] [--misses]

Documents: the shared seeds (labels by line number in benchmarks/cleaner_lines.toml), blocks written for the set
(same file), and every replica page as a naive scraper sees it (all visible lines; the replica knows which are
its paragraphs, so every other line but the title is chrome). Each document is cleaned whole, as in production,
then each labelled line is scored:
  junk     removed from the body (any kind)              → junk-line recall
  content  ≥ 90 % of its characters survive in the body   → content kept-rate
  meta     out of the body, with kind "meta"              → meta moved out
  defect   kept (≥ 90 %) and its marker/pinyin gone        → defects repaired
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"
LABELS = REPO / "benchmarks" / "cleaner_lines.toml"
sys.path.insert(0, str(REPO))

from corpus import clean_text  # noqa: E402

KEPT_SHARE = 0.9
_META_LINE = re.compile(r"(发布时间|發布時間|来源|來源|作者|编辑|編輯|索\s*引\s*号|索\s*引\s*號|发文字号|發文字號|发布日期|發布日期)\s*[:：]")
_DEFECT = re.compile(r"^\d{1,3}、|[(（][a-zü" + "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ" + r"\s]+[)）]")
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "section"})


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    labels: tuple[tuple[str, str], ...]  # (label, line) for every labelled line
    title: str | None = None


def seed_documents(seeds: Path) -> Iterator[Document]:
    data = tomllib.loads(LABELS.read_text(encoding="utf-8"))
    for entry in data["seed"]:
        path = next(iter(sorted(seeds.glob(f"{entry['prefix']}_*.txt"))), None)
        if path is None:
            sys.exit(f"seed {entry['prefix']} missing in {seeds}")
        text = path.read_text(encoding="utf-8")
        by_number = {n: label for label in ("junk", "meta", "defect") for n in entry.get(label, [])}
        labels = tuple((by_number.get(n, "content"), line.strip())
                       for n, line in enumerate(text.splitlines(), 1) if line.strip())
        yield Document(f"seed {entry['prefix']}", text, labels)
    for block in data["block"]:
        labels = tuple((label, line) for label, line in block["lines"])
        yield Document(block["name"], "\n".join(line for _, line in labels), labels)


def replica_documents() -> Iterator[Document]:
    from lxml import html as lxml_html

    from replica import ARTICLES, render_article

    for article in ARTICLES:
        page = render_article(article)
        lines = _naive_lines(lxml_html.fromstring(page.html))
        paragraphs = {p.strip() for p in article.paragraphs}
        labels = []
        for line in lines:
            if line == article.title.strip():
                continue  # the title is neither junk nor body here; the cleaner gets no title for replica pages
            if line in paragraphs:
                labels.append(("content", line))
            else:
                labels.append(("meta" if _META_LINE.search(line) else "junk", line))
        yield Document(f"replica {article.id} ({article.chrome}, {article.script})", "\n".join(lines), tuple(labels))


def _naive_lines(root) -> list[str]:  # noqa: ANN001 - an lxml element
    """What a naive scraper keeps: every visible text line of the page, one per block element."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    for bad in root.xpath("//script|//style|//head"):
        bad.drop_tree()
    return [" ".join(line.split()) for line in root.text_content().splitlines() if line.strip()]


def score(documents: list[Document]) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """label → (hits, total), and the misses as readable lines."""
    counts: dict[str, Counter] = {label: Counter() for label in ("junk", "content", "meta", "defect")}
    misses: list[str] = []
    for doc in documents:
        cleaned = clean_text(doc.text, title=doc.title)
        body = cleaned.text
        body_lines = Counter(body.splitlines())
        meta_removed = {r.line for r in cleaned.removed if r.kind == "meta"}
        for label, line in doc.labels:
            hit = _hit(label, line, body, body_lines, meta_removed)
            if label != "content" and hit is False and body_lines[" ".join(line.split())] < sum(
                    1 for lab, other in doc.labels if other == line):
                hit = True  # a junk copy of a line that is also content (a title said twice): one copy went
            counts[label]["hit" if hit else "miss"] += 1
            if not hit:
                misses.append(f"{doc.name}: {label} missed: {line[:80]}")
    return {label: (c["hit"], c["hit"] + c["miss"]) for label, c in counts.items()}, misses


def _hit(label: str, line: str, body: str, body_lines: Counter, meta_removed: set[str]) -> bool:
    squeezed = " ".join(line.split())
    if label == "junk":
        return squeezed not in body_lines
    if label == "meta":
        return squeezed not in body_lines and any(squeezed in m or m in squeezed for m in meta_removed)
    if label == "content":
        return _survives(squeezed, body) >= KEPT_SHARE
    repaired = _DEFECT.sub("", squeezed, count=1) if squeezed[:4].rstrip("、").isdigit() else _DEFECT.sub("", squeezed)
    return _survives(repaired, body) >= KEPT_SHARE and squeezed not in body_lines


def _survives(line: str, body: str) -> float:
    """Share of the line's characters found, in order, in the body (1.0 when it is there verbatim)."""
    if not line or line in body:
        return 1.0
    start = body.find(line[: max(4, len(line) // 4)])
    window = body[max(0, start - 50): start + len(line) + 50] if start >= 0 else body
    if len(window) > 20_000:
        return 0.0
    matched = sum(block.size for block in SequenceMatcher(None, line, window, autojunk=False).get_matching_blocks())
    return matched / len(line)


def report(results: dict[str, tuple[int, int]]) -> list[str]:
    names = {"junk": "junk-line recall", "content": "content kept", "meta": "meta lines out of body",
             "defect": "defects repaired"}
    return [f"cleaner {names[label]:<24} {hits}/{total} = {hits / total:.3f}" if total else
            f"cleaner {names[label]:<24} no lines" for label, (hits, total) in results.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--misses", action="store_true", help="list every line the cleaner got wrong")
    args = parser.parse_args()
    documents = [*seed_documents(args.seeds), *replica_documents()]
    results, misses = score(documents)
    print(f"cleaner documents={len(documents)} (seeds, written blocks, replica pages)")
    print("\n".join(report(results)))
    if args.misses:
        print("\n".join(misses))


if __name__ == "__main__":
    main()
