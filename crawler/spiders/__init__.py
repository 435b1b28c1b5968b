"""Spiders: one config-driven spider serves every source."""
