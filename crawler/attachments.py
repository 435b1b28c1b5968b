"""Text of attached documents: PDF (pypdf) and DOCX (python-docx); other formats are recorded as unsupported."""

from __future__ import annotations

import io
import logging
import re
from urllib.parse import unquote, urlsplit

from corpus import Extraction, Metadata, normalize_text, text_hash

logger = logging.getLogger(__name__)

_BLANKS = re.compile(r"[ \t\u3000]+")


class UnsupportedAttachment(ValueError):
    """A format we keep (in the WARC) but cannot read text from."""


def attachment_format(url: str, content_type: str | None, body: bytes) -> str:
    """pdf | docx | the file extension; magic bytes win over names and headers, which sites get wrong."""
    if body.startswith(b"%PDF"):
        return "pdf"
    if body.startswith(b"PK\x03\x04") and b"word/" in body[:4096]:
        return "docx"
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype == "application/pdf":
        return "pdf"
    path = urlsplit(url).path.lower()
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ctype or "unknown"


def _pdf_text(body: bytes) -> tuple[str, str | None]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    title = None
    if reader.metadata is not None and reader.metadata.title:
        title = str(reader.metadata.title)
    return "\n".join(page.extract_text() or "" for page in reader.pages), title


def _docx_text(body: bytes) -> tuple[str, str | None]:
    import docx

    document = docx.Document(io.BytesIO(body))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines), document.core_properties.title or None


def _clean(text: str) -> str:
    lines = (_BLANKS.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def extract_attachment(body: bytes, url: str, content_type: str | None, link_text: str | None = None) -> Extraction:
    """An Extraction like extract_page's; raises UnsupportedAttachment for formats without a reader."""
    kind = attachment_format(url, content_type, body)
    readers = {"pdf": _pdf_text, "docx": _docx_text}
    if kind not in readers:
        raise UnsupportedAttachment(f"unsupported attachment format: {kind}")
    try:
        raw, title = readers[kind](body)
    except Exception as exc:  # damaged files raise many types; the fetch row keeps the reason
        raise UnsupportedAttachment(f"unreadable {kind}: {type(exc).__name__}: {exc}") from exc
    text = _clean(raw)
    title = title or link_text or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    norm = normalize_text(text)
    return Extraction(title=title, text=text, text_norm=norm, hash=text_hash(norm),
                      metadata=Metadata(title=title, extra={"format": kind}), encoding=None,
                      reason=None if text else "no text in attachment")
