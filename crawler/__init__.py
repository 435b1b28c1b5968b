"""Scrapy project: config-driven discovery and polite fetching; hands pages to corpus and archive."""
