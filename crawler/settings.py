"""Scrapy settings shared by every crawl; per-source values are layered on in `crawler.run`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scrapy.settings import default_settings

from crawler.extract_worker import configured_workers
from crawler.sources import Source

CONTACT_URL = "https://github.com/policy-archive/policy-archive"
USER_AGENT = f"policy-archive/0.1 (+{CONTACT_URL}; research archive crawler)"


def user_agent(contact_url: str | None = None) -> str:
    """An identifying User-Agent; POLICY_ARCHIVE_CONTACT_URL lets an operator put their own contact page in it."""
    contact = contact_url or os.environ.get("POLICY_ARCHIVE_CONTACT_URL") or CONTACT_URL
    return f"policy-archive/0.1 (+{contact}; research archive crawler)"


BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "policy-archive",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    # Scrapy's remote-control extension: an HTTP server that runs Python sent to it. Not wanted in an archive crawler;
    # off, and out of the base list too, since Scrapy imports every listed extension (this one loads aiohttp: 0.1 s of
    # every crawl's start) even when its setting or EXTENSIONS disables it.
    "REMOTE_CONTROL_ENABLED": False,
    "EXTENSIONS_BASE": {name: order for name, order in default_settings.EXTENSIONS_BASE.items()
                        if not name.endswith(".RemoteControl")},
    # likewise the cookies middleware, whose import loads tldextract and requests, for COOKIES_ENABLED = False
    "DOWNLOADER_MIDDLEWARES_BASE": {name: order for name, order in default_settings.DOWNLOADER_MIDDLEWARES_BASE.items()
                                    if not name.endswith(".CookiesMiddleware")},
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "DOWNLOAD_TIMEOUT": 30,
    "DOWNLOAD_MAXSIZE": 16 * 1024 * 1024,  # no policy page is this big; attachments have their own 10 MiB cap
    "DOWNLOAD_WARNSIZE": 5 * 1024 * 1024,
    "REDIRECT_MAX_TIMES": 10,
    "CONCURRENT_REQUESTS": 16,
    # items per response processed in parallel: a page yields one item, a listing a few dozen requests; Scrapy's
    # default (100) starts that many tasks per response, a large share of the crawl process's time
    "CONCURRENT_ITEMS": 8,
    "RETRY_BACKOFF_BASE": 1.0,  # seconds, doubled per retry (crawler.middlewares.BackoffRetryMiddleware)
    "RETRY_BACKOFF_MAX": 60.0,
    "RETRY_AFTER_MAX": 120.0,  # a Retry-After longer than this ends the attempt (recorded as an error)
    "DOWNLOAD_FAIL_ON_DATALOSS": True,  # a truncated body is an error, not a short page
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.BackoffRetryMiddleware": 550,
        "crawler.middlewares.CrawlDelayMiddleware": 101,  # after robots.txt (100) has been read
        "crawler.warc.WarcCaptureMiddleware": 950,  # next to the downloader: raw responses, before decompression
    },
    "ITEM_PIPELINES": {"crawler.pipelines.ArchivePipeline": 300},
    "LOG_LEVEL": "INFO",
    "HTTPERROR_ALLOW_ALL": False,
}


def settings_for(source: Source, *, db_url: str, source_id: int, run_id: int | None,
                 warc_dir: Path | None = None) -> dict[str, Any]:
    settings = dict(BASE_SETTINGS)
    revisit = source.revisit
    settings.update({
        "USER_AGENT": user_agent(),
        "DOWNLOAD_TIMEOUT": source.download_timeout_seconds,
        "POLICY_ARCHIVE_WARC_DIR": str(warc_dir) if warc_dir else "",
        # extraction processes beside the crawl (0 = extract in the crawl process)
        "POLICY_ARCHIVE_EXTRACT_WORKERS": configured_workers(),
        "POLICY_ARCHIVE_REVISIT": [revisit.young_seconds, revisit.old_seconds, revisit.young_days],
        "DOWNLOAD_DELAY": source.download_delay,
        "AUTOTHROTTLE_START_DELAY": max(source.download_delay, 0.1) if source.download_delay else 0.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": source.concurrency,
        "POLICY_ARCHIVE_DB": db_url,
        "POLICY_ARCHIVE_SOURCE": source.name,
        "POLICY_ARCHIVE_SOURCE_ID": source_id,
        "POLICY_ARCHIVE_RUN_ID": run_id or 0,
        "POLICY_ARCHIVE_ENCODING": source.encoding,
    })
    return settings
