"""The bundled sample news web and the local server that serves it.

``site/daily`` is "The Harbour Daily" (host name ``daily``), ``site/wire`` is
"Wire Review" (host name ``wire``), which republishes some Daily articles.
``site/MANIFEST.json`` records the truth about them (articles, URL variants,
discovery channels, non-article pages, disallowed paths) for tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily so `python -m crawler.demo.server` runs cleanly
    from crawler.demo.server import SiteServer

SITE_DIR = Path(__file__).parent / "site"
MANIFEST_PATH = SITE_DIR / "MANIFEST.json"

SAMPLE_SITES: dict[str, Path] = {
    "daily": SITE_DIR / "daily",
    "wire": SITE_DIR / "wire",
}


def load_manifest() -> dict[str, Any]:
    """The parsed ``MANIFEST.json`` of the sample web."""
    result: dict[str, Any] = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    return result


def sample_server(*, log_requests: bool = False) -> SiteServer:
    """A (not yet started) server for the sample web: daily on 127.0.0.1, wire on 127.0.0.2."""
    from crawler.demo.server import SiteServer

    return SiteServer(dict(SAMPLE_SITES), log_requests=log_requests)
