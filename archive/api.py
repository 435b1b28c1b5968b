"""`Archive`: the Python API for the same pulls the CLI makes (documents as of a date, diffs, clusters, search)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archive.db import Database
from archive.pulls import Pull, PullError


class Archive:
    """Read access to one archive database (SQLite file or PostgreSQL URL).

    >>> with Archive("sqlite:///var/archive.sqlite3") as archive:
    ...     for doc in archive.documents(source="gov-zhengce", since=dt.date(2024, 1, 1)): ...
    """

    def __init__(self, url: str | Database | None = None) -> None:
        self.database = url if isinstance(url, Database) else Database(url)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.database.dispose()

    def _doc(self, session: Any, ref: int | str) -> Any:
        from archive.queries import find_document

        doc = find_document(session, str(ref))
        if doc is None:
            raise PullError(f"no document {ref!r}")
        return doc

    def documents(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Stream documents with text; filters are the fields of `archive.pulls.Pull` (source, since, until, query,
        as_of, canonical_only, cluster, limit)."""
        from archive.pulls import iter_records

        with self.database.reading() as session:
            yield from iter_records(session, Pull(**filters))

    def document(self, ref: int | str, *, version: int | None = None, as_of: dt.date | None = None) -> dict[str, Any]:
        from archive.pulls import document_record

        with self.database.reading() as session:
            return document_record(session, self._doc(session, ref), version, as_of)

    def history(self, ref: int | str) -> list[dict[str, Any]]:
        from archive.queries import history, version_record

        with self.database.reading() as session:
            doc = self._doc(session, ref)
            return [version_record(doc, v, with_text=False) for v in history(session, doc)]

    def diff(self, ref: int | str, old: int | None = None, new: int | None = None) -> dict[str, Any]:
        from archive.pulls import diff_versions

        with self.database.reading() as session:
            return diff_versions(session, self._doc(session, ref), old, new)

    def similar(self, ref: int | str, limit: int = 20) -> list[dict[str, Any]]:
        from archive.pulls import similar_documents

        with self.database.reading() as session:
            return similar_documents(session, self._doc(session, ref), limit)

    def clusters(self, min_size: int = 2, limit: int = 50) -> list[dict[str, Any]]:
        from archive.pulls import list_clusters

        with self.database.reading() as session:
            return list_clusters(session, min_size, limit)

    def search(self, query: str, *, source: str | None = None, since: dt.date | None = None,
               until: dt.date | None = None, limit: int = 20) -> list[dict[str, Any]]:
        from archive.pulls import search_records

        with self.database.reading() as session:
            return search_records(session, query, source, since, until, limit)

    def export(self, path: Path | None, fmt: str = "jsonl", **filters: Any) -> int:
        """Write the documents `documents(**filters)` yields; nothing is left at `path` if it fails."""
        from archive.export import check_target, write_export

        check_target(path, fmt)
        return write_export(self.documents(**filters), fmt, path)
