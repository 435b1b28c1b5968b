"""State shared by CLI commands: where the database and the sources file are, and how to fail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import typer

from archive.db import Database, DatabaseError
from crawler.sources import Source, SourcesError, load_sources
from scheduler import render


@dataclass
class Context:
    db_url: str
    sources_path: Path

    def database(self) -> Database:
        try:
            return Database(self.db_url)
        except DatabaseError as exc:
            fail(str(exc))

    def sources(self) -> dict[str, Source]:
        try:
            return load_sources(self.sources_path)
        except SourcesError as exc:
            fail(str(exc))

    def source(self, name: str) -> Source:
        sources = self.sources()
        if name not in sources:
            fail(f"unknown source {name!r} (known: {', '.join(sorted(sources))})")
        return sources[name]


def fail(message: str, code: int = 2) -> NoReturn:
    render.err_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


