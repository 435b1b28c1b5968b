"""Console channel: one line per event on the daemon's standard output."""

from __future__ import annotations

import sys
from typing import Any

from scheduler.notify.message import subject


def print_event(message: dict[str, Any]) -> None:
    line = f"{subject(message)} {message.get('url') or ''} ({message['id']})"
    sys.stdout.write(line.rstrip() + "\n")
    sys.stdout.flush()
