"""Export writers: jsonl, csv, parquet and a txt folder tree; streamed, and all-or-nothing on disk."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from archive.pulls import EXPORT_COLUMNS

FORMATS = ("jsonl", "csv", "parquet", "txt")
PARQUET_ROWS, PARQUET_CHARS = 5000, 4 << 20  # a row group is written at whichever comes first


class ExportError(ValueError):
    """The export cannot be written where or how it was asked."""


def check_target(path: Path | None, fmt: str) -> None:
    """Fail before reading anything: unknown format, an existing path, or a folder we cannot write into."""
    if fmt not in FORMATS:
        raise ExportError(f"unsupported format {fmt!r} (supported: {', '.join(FORMATS)})")
    if path is None:
        if fmt in ("parquet", "txt"):
            raise ExportError(f"--format {fmt} needs an output path (-o)")
        return
    if path.exists() or path.is_symlink():
        raise ExportError(f"{path} already exists; choose a new path (nothing was written)")
    parent = path.parent
    if not parent.is_dir():
        raise ExportError(f"{parent} is not a folder (nothing was written)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{parent} is not writable (nothing was written)")


@contextmanager
def _atomic_file(path: Path, binary: bool = False) -> Iterator[Path]:
    """A temporary file beside `path`, renamed over it only when the export finished."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for n, record in enumerate(records, 1):  # noqa: B007
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return n


def _csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    n = 0
    for n, record in enumerate(records, 1):  # noqa: B007
        writer.writerow(record | {"meta": json.dumps(record["meta"], ensure_ascii=False)})
    return n


def _parquet_schema():  # noqa: ANN202
    import pyarrow as pa

    ints = {"id", "version", "versions", "cluster"}
    return pa.schema([(c, pa.int64() if c in ints else pa.bool_() if c == "canonical" else pa.string())
                      for c in EXPORT_COLUMNS])


def _parquet(records: Iterable[dict[str, Any]], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema()
    n, batch, size = 0, [], 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for record in records:
            batch.append(record | {"meta": json.dumps(record["meta"], ensure_ascii=False)})
            size += len(record["text"])
            if len(batch) >= PARQUET_ROWS or size >= PARQUET_CHARS:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n, batch, size = n + len(batch), [], 0
        if batch or not n:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


TXT_HEADER = ("title", "url", "source", "published", "publisher", "author", "editor", "version", "reason",
              "first_seen", "cluster", "id")


def _txt(records: Iterable[dict[str, Any]], root: Path) -> int:
    """One UTF-8 file per document: source/YYYY-MM-DD/ID.txt (undated under 'undated'), header, blank line, text."""
    n = 0
    for n, record in enumerate(records, 1):  # noqa: B007
        day = (record["published"] or "")[:10] or "undated"
        folder = root / record["source"] / day
        folder.mkdir(parents=True, exist_ok=True)
        header = "".join(f"{k}: {record[k]}\n" for k in TXT_HEADER if record.get(k) is not None)
        (folder / f"{record['id']}.txt").write_text(header + "\n" + record["text"] + "\n", encoding="utf-8")
    return n


def write_export(records: Iterable[dict[str, Any]], fmt: str, path: Path | None) -> int:
    """Write every record; on any failure nothing is left at `path`. Returns the number written."""
    check_target(path, fmt)
    if path is None:
        writer: Callable[[Iterable[dict[str, Any]], IO[str]], int] = _jsonl if fmt == "jsonl" else _csv
        return writer(records, sys.stdout)
    if fmt == "txt":
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
        try:
            n = _txt(records, tmp)
            os.replace(tmp, path)
            return n
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    with _atomic_file(path) as tmp:
        if fmt == "parquet":
            return _parquet(records, tmp)
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            return (_jsonl if fmt == "jsonl" else _csv)(records, out)
