"""Pure text work: decode, extract, clean, normalise, fingerprint. Imports nothing of ours.

Names load on first use (PEP 562): the archive and the crawler import `corpus` for its types, and a crawl that finds
nothing new should not pay for trafilatura, lxml and OpenCC.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Bump whenever extract_page can give different output for the same bytes: the archive re-processes on change.
EXTRACTOR_VERSION = "0.5.0"

_WHERE = {
    "learn_boilerplate": "corpus.boilerplate", "clean_text": "corpus.clean", "split_compilation": "corpus.compilation",
    "decode_html": "corpus.decode", "text_hash": "corpus.fingerprint", "normalize_text": "corpus.normalize",
    "extract_page": "corpus.pipeline", "Cleaned": "corpus.types", "Extraction": "corpus.types",
    "Metadata": "corpus.types", "Piece": "corpus.types", "Removal": "corpus.types",
}

__all__ = [
    "Cleaned", "Extraction", "Metadata", "Piece", "Removal", "EXTRACTOR_VERSION",
    "extract_page", "clean_text", "normalize_text", "text_hash", "decode_html", "learn_boilerplate",
    "split_compilation",
]

if TYPE_CHECKING:
    from corpus.boilerplate import learn_boilerplate
    from corpus.clean import clean_text
    from corpus.compilation import split_compilation
    from corpus.decode import decode_html
    from corpus.fingerprint import text_hash
    from corpus.normalize import normalize_text
    from corpus.pipeline import extract_page
    from corpus.types import Cleaned, Extraction, Metadata, Piece, Removal


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'corpus' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
