"""Scheduling, notification and the CLI: wires crawler, corpus and archive together."""
