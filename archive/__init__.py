"""The archive: schema, writes and queries. Imports only corpus types of ours."""

from __future__ import annotations

from typing import Any

__all__ = ["Archive"]


def __getattr__(name: str) -> Any:
    # lazy: `import archive.db` (the crawler, the scheduler) should not pay for the API's imports
    if name == "Archive":
        from archive.api import Archive

        return Archive
    raise AttributeError(name)
