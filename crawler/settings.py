"""Scrapy settings shared by every crawl; per-source values are layered on in `crawler.run`."""

from __future__ import annotations

from typing import Any

from crawler.sources import Source

USER_AGENT = "policy-archive/0.1 (+https://github.com/policy-archive/policy-archive; research archive crawler)"

BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "policy-archive",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "DOWNLOAD_TIMEOUT": 30,
    "DOWNLOAD_MAXSIZE": 20 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 5 * 1024 * 1024,
    "REDIRECT_MAX_TIMES": 10,
    "CONCURRENT_REQUESTS": 16,
    "ITEM_PIPELINES": {"crawler.pipelines.ArchivePipeline": 300},
    "LOG_LEVEL": "INFO",
    "HTTPERROR_ALLOW_ALL": False,
}


def settings_for(source: Source, *, db_url: str, source_id: int, run_id: int | None) -> dict[str, Any]:
    settings = dict(BASE_SETTINGS)
    settings.update({
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
