"""The test suite (a regular package, so a third-party top-level `tests` package — pywb ships one — cannot shadow it)."""
