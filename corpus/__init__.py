"""Pure text work: decode, extract, clean, normalise, fingerprint. Imports nothing of ours."""

from corpus.clean import clean_text
from corpus.decode import decode_html
from corpus.fingerprint import text_hash
from corpus.normalize import normalize_text
from corpus.pipeline import extract_page
from corpus.types import Cleaned, Extraction, Metadata, Removal

# Bump whenever extract_page can give different output for the same bytes: the archive re-processes on change.
EXTRACTOR_VERSION = "0.3.0"

__all__ = [
    "Cleaned", "Extraction", "Metadata", "Removal", "EXTRACTOR_VERSION",
    "extract_page", "clean_text", "normalize_text", "text_hash", "decode_html",
]
