"""Fixtures: a replica site on an ephemeral loopback port."""

from __future__ import annotations

import pytest

from replica import ReplicaSite


@pytest.fixture(scope="module")
def site():
    """Shared read-only site; tests that edit articles use `fresh_site`."""
    with ReplicaSite() as s:
        yield s


@pytest.fixture
def fresh_site():
    with ReplicaSite() as s:
        yield s
