"""Proxy-free urllib client for the replica tests (status, headers and body even on 4xx/5xx/304)."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

# Never route loopback test traffic through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding)


def fetch(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None) -> Response:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=10) as resp:
            return Response(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, dict(err.headers.items()), err.read())
