"""Email channel: one message per event, or a digest, over SMTP from POLICY_ARCHIVE_SMTP_URL."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

from scheduler.notify.message import DeliveryError, plain_text, subject

TIMEOUT = 15


def smtp_settings() -> dict[str, Any]:
    """smtp://[user:pass@]host[:port][?from=addr] or smtps://…; the URL (with its password) is never logged."""
    url = os.environ.get("POLICY_ARCHIVE_SMTP_URL")
    if not url:
        raise DeliveryError("email: POLICY_ARCHIVE_SMTP_URL is not set")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryError("email: POLICY_ARCHIVE_SMTP_URL must look like smtp://host:port")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    return {"tls": parts.scheme == "smtps", "host": parts.hostname,
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "user": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "sender": unquote(query.get("from", "policy-archive@localhost"))}


def _send(msg: EmailMessage, to: str) -> None:
    s = smtp_settings()
    msg["From"], msg["To"], msg["Date"] = s["sender"], to, formatdate(localtime=False)
    try:
        cls = smtplib.SMTP_SSL if s["tls"] else smtplib.SMTP
        kwargs = {"context": ssl.create_default_context()} if s["tls"] else {}
        with cls(s["host"], s["port"], timeout=TIMEOUT, **kwargs) as smtp:
            if s["user"]:
                smtp.login(s["user"], s["password"] or "")
            smtp.send_message(msg)
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"email to {to}: SMTP server refused: {exc}") from None
    except OSError as exc:
        raise DeliveryError(f"email to {to}: cannot reach SMTP server {s['host']}:{s['port']}: {exc}") from None


def send_email(to: str, message: dict[str, Any]) -> None:
    """The Message-ID is the event's idempotency key, so a resent mail is recognisably the same one."""
    msg = EmailMessage()
    msg["Subject"] = subject(message)
    msg["Message-ID"] = f"<{message['id']}.{message['watch']}@policy-archive>"
    msg.set_content(plain_text(message))
    _send(msg, to)


def send_digest(to: str, messages: list[dict[str, Any]], key: str) -> None:
    msg = EmailMessage()
    msg["Subject"] = f"[policy-archive] {len(messages)} events for watch {messages[0]['watch']}"
    msg["Message-ID"] = f"<digest-{key}@policy-archive>"
    msg.set_content("\n----\n".join(plain_text(m) for m in messages))
    _send(msg, to)
