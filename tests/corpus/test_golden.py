"""Golden files: every replica page extracts to its reviewed text and metadata (tests/corpus/golden/*.json).

The files come from tests/corpus/regen_golden.py, which writes one only when the extraction agrees with the
facts the replica article was written with; a failure here is either a regression or an intended change —
rerun the script and review `git diff tests/corpus/golden`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replica import ARTICLES
from tests.corpus.regen_golden import GOLDEN, disagreements, golden_record

BY_ID = {article.id: article for article in ARTICLES}


def test_every_replica_article_has_a_golden_file():
    assert sorted(int(p.stem) for p in GOLDEN.glob("*.json")) == sorted(BY_ID)


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_replica_page_extracts_to_its_golden_file(path: Path):
    article = BY_ID[int(path.stem)]
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert disagreements(article, expected) == []  # the golden file itself says what the article is
    assert golden_record(article) == expected
