"""The sketch module gives datasketch's results (its LSH shape, its permutations, its MinHash) without importing it."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from archive.minhash import (
    BANDS,
    NUM_PERM,
    ROWS,
    THRESHOLD,
    _permutations,
    bucket_keys,
    shingle_hashes,
    signature,
    similarity,
)


def test_lsh_shape_is_the_one_datasketch_chooses() -> None:
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (BANDS, ROWS)


def test_stored_permutations_are_datasketchs() -> None:
    assert np.array_equal(_permutations(), MinHash(num_perm=NUM_PERM, seed=1).permutations)


@pytest.mark.parametrize("text", [
    "各级党组织要把学习成果转化为推动发展的实际成效，坚持以人民为中心的发展思想。",
    "国务院办公厅关于印发《2024年政务公开工作要点》的通知 国办发〔2024〕12号" * 40,
    "短文",
    "English text, too: the State Council issued a notice on 19 January 2024.",
])
def test_signature_is_datasketchs_minhash_of_the_shingles(text: str) -> None:
    reference = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int)
    reference.update_batch(shingle_hashes(text))
    sig = signature(text)
    assert sig is not None and sig.dtype == np.dtype("<u4")
    assert np.array_equal(sig, reference.hashvalues.astype("<u4"))
    assert len(bucket_keys(sig)) == BANDS


def test_near_copies_share_buckets_and_strangers_do_not() -> None:
    original = "浙江省深入实施千万工程，坚持党建引领，推动乡村全面振兴。" * 6
    repost = original + "本文来源：某某网。"
    other = "国务院办公厅关于进一步优化营商环境降低市场主体制度性交易成本的意见。" * 6
    a, b, c = signature(original), signature(repost), signature(other)
    assert similarity(a, b) > THRESHOLD > similarity(a, c)
    assert set(bucket_keys(a)) & set(bucket_keys(b))
    assert not set(bucket_keys(a)) & set(bucket_keys(c))
    assert signature("，。！ ") is None
