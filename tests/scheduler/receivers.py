"""Real receivers on loopback: a webhook HTTP server that records (and can refuse or stall), and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Hook:
    headers: dict[str, str]
    raw: bytes
    body: dict


@dataclass
class WebhookReceiver:
    """Records every POST; `fail_first` answers 503 that many times; `stall` holds the first request open."""

    fail_first: int = 0
    stall: threading.Event | None = None
    hooks: list[Hook] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: int = 0

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver._seen += 1
                    n = receiver._seen
                    receiver.hooks.append(Hook(dict(self.headers.items()), raw, json.loads(raw)))
                if n == 1 and receiver.stall is not None:
                    receiver.stall.wait(60)
                status = 503 if n <= receiver.fail_first else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender died while we stalled

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def bodies(self) -> list[dict]:
        with self.lock:
            return [h.body for h in self.hooks]

    def stop(self) -> None:
        if self.stall is not None:
            self.stall.set()
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpReceiver:
    """aiosmtpd on loopback; `refuse` makes it answer 550 to every message."""

    def __init__(self, refuse: bool = False) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        self.refuse = refuse
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd API
        if self.refuse:
            return "550 5.7.1 relaying refused"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[attr-defined]
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
