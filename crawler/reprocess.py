"""Re-extraction from the WARCs: today's extractor over the bytes fetched then, without touching the network."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.boilerplate import load_learned
from archive.db import Database
from archive.fetches import CapturedFetch, captured_fetches
from archive.models import Document, Fetch
from archive.store import store_extraction
from corpus import Extraction, extract_page
from crawler.attachments import UnsupportedAttachment, extract_attachment
from crawler.spiders.policy import http_charset

logger = logging.getLogger(__name__)


@dataclass
class ReprocessReport:
    checked: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    changed_urls: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_response(warc_dir: Path, path: str, offset: int, length: int) -> tuple[int, str | None, bytes]:
    """(status, Content-Type, body) of the response record a fetch row points to; body with transfer and content
    encodings undone."""
    with (warc_dir / path).open("rb") as fh:
        fh.seek(offset)
        member = io.BytesIO(fh.read(length))
    record = next(iter(ArchiveIterator(member)), None)
    if record is None or record.rec_type != "response":
        raise ValueError(f"no response record at {path}:{offset}")
    status = int(record.http_headers.get_statuscode())
    return status, record.http_headers.get_header("Content-Type"), record.content_stream().read()


def _extract(captured: CapturedFetch, content_type: str | None, body: bytes, encoding: str | None,
             learned: frozenset[str], source: str) -> Extraction:
    if captured.kind == "attachment":
        return extract_attachment(body, captured.url, content_type)
    return extract_page(body, captured.url, http_charset=http_charset(content_type), encoding_override=encoding,
                        boilerplate=learned, boilerplate_source=source)


def reprocess(db: Database, warc_dir: Path, source: str | None = None, since: dt.datetime | None = None,
              encodings: dict[str, str] | None = None) -> ReprocessReport:
    """Re-extract the newest captured response of every document; a new version (reason "reextract") only where
    the normalised text changes. `encodings` maps source name → the sources file's encoding override."""
    report = ReprocessReport()
    with db.unit_of_work() as session:
        todo = captured_fetches(session, source, since)
        names = {d.id: d.source.name for d in session.query(Document).where(Document.id.in_([c.document_id for c in todo]))}
        # the sources' learned boilerplate (`policy-archive boilerplate learn`) is re-applied with today's rules
        learned = {name: load_learned(session, name) for name in set(names.values())}
    for captured in todo:
        report.checked += 1
        try:
            _, content_type, body = read_response(warc_dir, captured.warc_path, captured.warc_offset,
                                                  captured.warc_length)
            name = names.get(captured.document_id, "")
            extraction = _extract(captured, content_type, body, (encodings or {}).get(name),
                                  learned.get(name, frozenset()), name)
        except (OSError, ValueError, UnsupportedAttachment) as exc:
            report.failed += 1
            report.problems.append(f"{captured.url}: {exc}")
            continue
        if not extraction.text:
            report.failed += 1
            report.problems.append(f"{captured.url}: no main text ({extraction.reason})")
            continue
        with db.unit_of_work() as session:
            doc = session.get(Document, captured.document_id)
            assert doc is not None
            stored = store_extraction(session, source_id=doc.source_id, url=doc.url, extraction=extraction,
                                      fetch=session.get(Fetch, captured.fetch_id), seen_at=doc.last_seen,
                                      reason_if_changed="reextract")
        if stored.outcome == "changed":
            report.changed += 1
            report.changed_urls.append(doc.url)
        else:
            report.unchanged += 1
    logger.info("reprocess: %d checked, %d changed, %d failed", report.checked, report.changed, report.failed)
    return report
