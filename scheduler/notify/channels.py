"""Direct sends outside the outbox, for `watch test`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scheduler.notify.atom import write_feed
from scheduler.notify.console import print_event
from scheduler.notify.email import send_digest, send_email
from scheduler.notify.message import DeliveryError
from scheduler.notify.webhook import send_webhook
from scheduler.watches import Watch


def send_test(watch: Watch, message: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(channel, target, error or None) per channel; an Atom file is only written when it does not exist yet."""
    from pathlib import Path

    for channel, target in watch.channels():
        try:
            if channel == "webhook":
                send_webhook(target, message)
            elif channel == "email":
                send_email(target, message)
            elif channel == "digest":
                send_digest(target, [message], message["id"])
            elif channel == "atom":
                if not Path(target).exists():
                    write_feed(target, watch.name, [message])
                elif not Path(target).parent.is_dir():
                    raise DeliveryError(f"atom feed {target}: folder missing")
            elif channel == "console":
                print_event(message)
            yield channel, target, None
        except DeliveryError as exc:
            yield channel, target, str(exc)
