"""Loopback receivers for the notification tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scheduler.receivers import SmtpReceiver, WebhookReceiver


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver
