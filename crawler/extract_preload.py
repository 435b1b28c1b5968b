"""Imported by the extraction workers' forkserver (see crawler.extract_worker._context): warms the extraction stack
once, so every worker forked from the server starts ready. warm_up never raises, and the server survives an
ImportError here: workers then warm up themselves."""

from crawler.extract_worker import warm_up

warm_up()
