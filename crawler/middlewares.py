"""Politeness and faults: retries that honour Retry-After and back off, and robots.txt Crawl-delay."""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message

from archive.models import utcnow

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); None when absent or junk."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when.astimezone(dt.UTC).replace(tzinfo=None) - utcnow()).total_seconds())


async def _sleep(seconds: float) -> None:
    """Wait without blocking the reactor (imported here: importing it at module level would install one)."""
    from twisted.internet import reactor, task

    if seconds > 0:
        await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware with waits: Retry-After on 429/503 (give up when it asks for more than
    RETRY_AFTER_MAX seconds), exponential backoff (RETRY_BACKOFF_BASE · 2^n, at most RETRY_BACKOFF_MAX) otherwise."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.retry_http_codes |= {429, 503}
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    def _backoff(self, request: Any) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** request.meta.get("retry_times", 0))

    async def process_response(self, request: Any, response: Any) -> Any:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self._backoff(request)
        if response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None and asked > self.retry_after_max:
                logger.warning("%s asks to wait %.0fs (over RETRY_AFTER_MAX): not retrying", request.url, asked)
                return response
            if asked is not None:
                delay = asked
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        self.crawler.stats.inc_value("retry/waited_seconds", int(delay))
        await _sleep(delay)
        return retry

    async def process_exception(self, request: Any, exception: Exception) -> Any:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await _sleep(self._backoff(request))
        return retry


class CrawlDelayMiddleware:
    """Applies robots.txt Crawl-delay to the site's download slot (Scrapy parses robots but ignores the delay).

    AutoThrottle may lower a slot's delay after each response; the delay is raised again before every request.
    """

    def __init__(self, crawler: Any, user_agent: str) -> None:
        self.crawler = crawler
        self.user_agent = user_agent
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelayMiddleware:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("robots.txt is not obeyed")
        mw = cls(crawler, crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT"))
        crawler.signals.connect(mw.robots_parsed, signal=signals.robots_parsed)
        return mw

    def robots_parsed(self, robotparser: Any, request: Any) -> None:
        parser = getattr(robotparser, "rp", None)  # Protego
        delay = parser.crawl_delay(self.user_agent) if parser is not None and hasattr(parser, "crawl_delay") else None
        if delay:
            self.delays[urlsplit(request.url).netloc] = float(delay)
            logger.info("robots.txt of %s asks for Crawl-delay %s", urlsplit(request.url).netloc, delay)

    def process_request(self, request: Any) -> None:
        delay = self.delays.get(urlsplit(request.url).netloc)
        if not delay:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None and slot.delay < delay:
            slot.delay = delay
            self.crawler.stats.set_value("robotstxt/crawl_delay", delay)
