"""Pure text work: decode, extract, clean, normalise, fingerprint. Imports nothing of ours."""

from corpus.types import Cleaned, Extraction, Metadata, Removal

EXTRACTOR_VERSION = "0.1.0"

__all__ = ["Cleaned", "Extraction", "Metadata", "Removal", "EXTRACTOR_VERSION"]
