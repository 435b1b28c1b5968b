"""Content fingerprint of a normalised text: the archive writes a new version only when it changes."""

from __future__ import annotations

import hashlib


def text_hash(text_norm: str) -> str:
    """sha256 hex of the UTF-8 normalised text (the caller normalises first, so the hash follows content only)."""
    return hashlib.sha256(text_norm.encode("utf-8")).hexdigest()
