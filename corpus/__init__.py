"""Pure text work: decode, extract, clean, normalise, fingerprint. Imports nothing of ours."""

from corpus.boilerplate import learn_boilerplate
from corpus.clean import clean_text
from corpus.compilation import split_compilation
from corpus.decode import decode_html
from corpus.fingerprint import text_hash
from corpus.normalize import normalize_text
from corpus.pipeline import extract_page
from corpus.types import Cleaned, Extraction, Metadata, Piece, Removal

# Bump whenever extract_page can give different output for the same bytes: the archive re-processes on change.
EXTRACTOR_VERSION = "0.5.0"

__all__ = [
    "Cleaned", "Extraction", "Metadata", "Piece", "Removal", "EXTRACTOR_VERSION",
    "extract_page", "clean_text", "normalize_text", "text_hash", "decode_html", "learn_boilerplate",
    "split_compilation",
]
