"""Request fingerprints on the canonical key, so URL variants of one page
(tracking parameters, fragments, AMP/print, www.) are fetched once per run.
Also used by scrapy-redis' shared duplicate filter."""

from __future__ import annotations

import hashlib

from scrapy import Request

from crawler.utils.urls import canonical_key


class CanonicalFingerprinter:
    @classmethod
    def from_crawler(cls, crawler: object) -> "CanonicalFingerprinter":
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        # The method matters (HEAD vs GET), the body never does for our requests.
        key = f"{request.method} {canonical_key(request.url)}"
        return hashlib.sha1(key.encode("utf-8")).digest()
