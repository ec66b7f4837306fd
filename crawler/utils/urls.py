"""URL normalisation. Pure functions, no Scrapy.

Two levels:

* ``clean_url`` is what we fetch: fragment and tracking parameters dropped,
  scheme and host lower-cased, default port removed. It never guesses, so the
  cleaned URL still answers like the original.
* ``canonical_key`` is what we deduplicate on: ``clean_url`` plus folding of
  AMP and print variants, ``www.``, trailing slashes and query order. Two URLs
  with the same key are the same page for newscrawl.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid",
        "yclid", "_ga", "_gl", "_hsenc", "_hsmi", "ref_src", "ref_url", "cmpid", "ncid", "ocid",
        "ito", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3",
        "at_custom4", "sr_share", "smid", "spm", "xtor", "wt_mc", "icid", "ftag", "s_cid", "mbid",
        "__twitter_impression",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "oly_", "vero_", "hsa_")
AMP_PRINT_PARAMS = frozenset({"amp", "outputtype", "print", "printable", "view", "output", "page_type"})
_AMP_PRINT_VALUES = frozenset({"", "1", "true", "amp", "print", "printable", "yes"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _netloc(scheme: str, host: str, port: int | None) -> str:
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or _DEFAULT_PORTS.get(scheme) == port:
        return host
    return f"{host}:{port}"


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """Drop the fragment and tracking parameters; normalise scheme, host and port."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    path = parts.path or "/"
    return urlunsplit((scheme, _netloc(scheme, host, port), path, urlencode(query, doseq=True), ""))


_AMP_PATH = re.compile(r"(^|/)amp(/|$)", re.I)
_PRINT_PATH = re.compile(r"(^|/)print(/|$)", re.I)
_AMP_SUFFIX = re.compile(r"[./-]amp(\.html?)?$", re.I)


@lru_cache(maxsize=16384)
def canonical_key(url: str) -> str:
    """The deduplication key of a URL: AMP/print variants, ``www.``, ``https`` vs
    ``http``, trailing slash and parameter order all fold together.

    Cached: one request's URL is keyed by the page budget, the trap guard, the
    request fingerprint and the known-URL check, all on the event loop."""
    parts = urlsplit(clean_url(url))
    host = parts.netloc
    if host.startswith("www."):
        host = host[4:]
    if host.startswith("amp."):
        host = host[4:]
    path = parts.path
    path = _AMP_PATH.sub(r"\1", path)
    path = _PRINT_PATH.sub(r"\1", path)
    path = _AMP_SUFFIX.sub(lambda m: m.group(1) or "", path)
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    if not path.startswith("/"):
        path = "/" + path
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (k.lower() in AMP_PRINT_PARAMS and v.lower() in _AMP_PRINT_VALUES)
    )
    # the scheme is not part of the key: http and https copies are one page
    return urlunsplit(("https", host, path, urlencode(query), ""))


def host_of(url: str) -> str:
    """Host (with a non-default port) without ``www.``: the default site name."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and _DEFAULT_PORTS.get(parts.scheme.lower()) != port:
        return f"{host}:{port}"
    return host


def same_site(host_a: str, host_b: str) -> bool:
    """``news.example.com`` and ``example.com`` are one site; ports must match."""
    if host_a == host_b:
        return True
    a, b = host_a.split(":"), host_b.split(":")
    if a[1:] != b[1:]:
        return False
    return a[0].endswith("." + b[0]) or b[0].endswith("." + a[0])
