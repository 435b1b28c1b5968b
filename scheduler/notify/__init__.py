"""Notification channels (webhook, email, Atom, console) and at-least-once delivery from the outbox."""

from scheduler.notify.message import DeliveryError, event_message

__all__ = ["DeliveryError", "event_message"]
