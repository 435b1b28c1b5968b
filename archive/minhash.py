"""MinHash sketches of normalised text and their LSH bucket keys: pure computation (numpy only), no database,
so an extraction worker can sketch pages without loading the archive's models."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

NUM_PERM = 128
SHINGLE = 5  # characters; Chinese has no word spaces, and 5 keeps two same-topic articles far apart
THRESHOLD = 0.5  # estimated Jaccard at which a document joins another's cluster
# The LSH shape datasketch's MinHashLSH chooses for THRESHOLD and NUM_PERM (its optimiser integrates false-positive and
# false-negative curves with scipy, a third of a second per process); tests/archive/test_minhash.py checks they agree.
BANDS, ROWS = 25, 5
_NOT_TEXT = re.compile(r"[\W_]+")


# datasketch's MinHash(num_perm=NUM_PERM, seed=1).permutations — its (a, b) pairs — saved once, so computing a
# signature needs numpy only: importing datasketch loads scipy for its LSH optimiser, a third of an extraction
# worker's start-up. tests/archive/test_minhash.py checks the file and every signature against datasketch itself.
_PERMUTATIONS = Path(__file__).with_name("minhash_permutations.npy")
_MERSENNE_PRIME = (1 << 61) - 1
_MAX_HASH = (1 << 32) - 1


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    import numpy as np

    return np.load(_PERMUTATIONS)


def shingle_hashes(text_norm: str) -> np.ndarray:
    """32-bit hashes of the character shingles (spaces and punctuation removed: banners and layout move those),
    computed in one vectorised pass."""
    import numpy as np

    chars = _NOT_TEXT.sub("", text_norm)
    if not chars:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    n = max(1, len(codes) - SHINGLE + 1)
    h = np.zeros(n, dtype=np.uint64)
    for k in range(min(SHINGLE, len(codes))):
        h = h * np.uint64(1_000_003) + codes[k:k + n]
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    return np.unique(h & np.uint64(0xFFFFFFFF))


def signature(text_norm: str) -> np.ndarray | None:
    """MinHash of the shingle hashes as uint32 values: per permutation (a, b), the least (a·h + b) mod (2^61 − 1) over
    the shingle hashes h, in its low 32 bits — datasketch's MinHash.update_batch, with its permutations."""
    import numpy as np

    hashes = shingle_hashes(text_norm)
    if not len(hashes):
        return None
    a, b = _permutations()
    values = (hashes.reshape(-1, 1) * a + b) % np.uint64(_MERSENNE_PRIME) & np.uint64(_MAX_HASH)
    return values.min(axis=0).astype("<u4")


def bucket_keys(sig: np.ndarray) -> list[tuple[int, int]]:
    out = []
    for band in range(BANDS):
        digest = hashlib.blake2b(sig[band * ROWS:(band + 1) * ROWS].tobytes(), digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "little", signed=True)))
    return out


def similarity(a: bytes | np.ndarray, b: bytes | np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    import numpy as np

    va = np.frombuffer(a, dtype="<u4") if isinstance(a, bytes) else a
    vb = np.frombuffer(b, dtype="<u4") if isinstance(b, bytes) else b
    return float(np.mean(va == vb))
