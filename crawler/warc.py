"""Raw capture: every response and its request as gzip-per-record WARC 1.1 in rotating files (warcio)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

# Headers that describe the transfer, not the payload: Scrapy hands us de-chunked bodies.
_HOP_HEADERS = {"transfer-encoding"}


@dataclass(frozen=True)
class WarcPointer:
    """Where a response record is: file name (relative to the WARC folder), byte offset and length."""

    path: str
    offset: int
    length: int
    payload_digest: str | None


class RotatingWarcWriter:
    """Appends records to <prefix>-<UTC time>-<pid>-<serial>.warc.gz, starting a new file past max_size bytes.

    Each crawl process writes its own files, so concurrent crawls never share one.
    """

    def __init__(self, folder: Path, prefix: str, max_size: int = 1 << 30, software: str = "policy-archive") -> None:
        self.folder = Path(folder)
        self.prefix = prefix
        self.max_size = max_size
        self.software = software
        self._serial = 0
        self._file: IO[bytes] | None = None
        self._name = ""
        self._writer: WARCWriter | None = None

    def _open(self) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        self._name = f"{self.prefix}-{stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
        self._serial += 1
        self._file = open(self.folder / self._name, "ab")  # noqa: SIM115 - kept open across records
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = self._writer.create_warcinfo_record(self._name, {"software": self.software, "format": "WARC File Format 1.1"})
        self._writer.write_record(info)

    def _ensure(self) -> WARCWriter:
        if self._writer is None or self._file is None or self._file.tell() >= self.max_size:
            self._open()
        assert self._writer is not None
        return self._writer

    def write_exchange(self, url: str, request: tuple[str, list[tuple[str, str]], bytes],
                       response: tuple[int, list[tuple[str, str]], bytes], ip: str | None = None) -> WarcPointer:
        """Write the response record, then its request (WARC-Concurrent-To); returns the response's pointer."""
        writer = self._ensure()
        assert self._file is not None
        status, headers, body = response
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
        http = StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1")
        extra = {"WARC-IP-Address": ip} if ip else None
        record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                           warc_headers_dict=extra)
        offset = self._file.tell()
        writer.write_record(record)
        length = self._file.tell() - offset
        method, req_headers, req_body = request
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_http = StatusAndHeaders(f"{method} {target} HTTP/1.1", req_headers, is_http_request=True)
        req_record = writer.create_warc_record(
            url, "request", payload=BytesIO(req_body), http_headers=req_http,
            warc_headers_dict={"WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")})
        writer.write_record(req_record)
        self._file.flush()
        return WarcPointer(self._name, offset, length, record.rec_headers.get_header("WARC-Payload-Digest"))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = self._writer = None


def _header_list(headers: Any) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        name = key.decode("latin-1")
        if name.lower() in _HOP_HEADERS:
            continue
        out.extend((name, v.decode("latin-1")) for v in values)
    return out


class WarcCaptureMiddleware:
    """Downloader middleware next to the downloader: sees every response (redirects, retries, errors, 304s)
    before anything decompresses or replaces it, writes it with its request, and leaves the pointer in meta."""

    def __init__(self, folder: str, prefix: str, max_size: int) -> None:
        self.writer = RotatingWarcWriter(Path(folder), prefix, max_size)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcCaptureMiddleware:
        s = crawler.settings
        if not s.get("POLICY_ARCHIVE_WARC_DIR"):
            raise NotConfigured("POLICY_ARCHIVE_WARC_DIR is not set")
        mw = cls(s.get("POLICY_ARCHIVE_WARC_DIR"), s.get("POLICY_ARCHIVE_SOURCE") or "crawl",
                 s.getint("POLICY_ARCHIVE_WARC_MAX_SIZE", 1 << 30))
        from scrapy import signals

        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_closed(self, spider: Any = None) -> None:
        self.writer.close()

    def process_response(self, request: Any, response: Any) -> Any:
        headers = _header_list(response.headers)
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(response.body))))
        req_headers = _header_list(request.headers)
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", urlsplit(request.url).netloc))
        ip = str(response.ip_address) if response.ip_address else None
        try:
            pointer = self.writer.write_exchange(response.url, (request.method, req_headers, request.body or b""),
                                                 (response.status, headers, response.body), ip)
        except OSError:  # a full disk must not lose the fetch row; the row then has no pointer
            logger.exception("cannot write WARC record for %s", response.url)
            request.meta.pop("warc", None)
            return response
        request.meta["warc"] = pointer
        return response
