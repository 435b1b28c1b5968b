"""Canonical document URLs: one document per article, whatever tracking or fragment the link carried."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {"spm", "from", "share", "share_token", "fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "scene", "srcid",
     "sharer_shareinfo", "sharer_shareinfo_first", "isappinstalled", "wfr", "clicktime", "enterid", "_ga"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k.startswith("utm_") or k in TRACKING_PARAMS


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, default port dropped, no fragment, no tracking parameters, '/' for empty path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def same_site(a: str, b: str) -> bool:
    """True when both URLs are on one host, ignoring a leading 'www.' and the scheme."""

    def host(u: str) -> str:
        h = (urlsplit(u).hostname or "").lower()
        return h[4:] if h.startswith("www.") else h

    return bool(host(a)) and host(a) == host(b)


def choose_document_url(response_url: str, page_canonical: str | None) -> str:
    """Honour <link rel=canonical> only within the same site: a cross-site canonical would merge unrelated sources."""
    if page_canonical and same_site(response_url, page_canonical):
        return canonical_url(page_canonical)
    return canonical_url(response_url)
