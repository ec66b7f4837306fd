"""How the demo server maps URL paths onto site directories.

Rules for a site root:

* ``/foo/`` serves ``foo/index.html``; ``/foo`` serves the file ``foo``, else
  ``foo.html``, else ``foo/index.html``. Query strings play no part.
* Text files (html, xml, rss, atom, txt, json, css, js, svg) are templates:
  ``{{base:NAME}}`` becomes the base URL of site NAME, e.g. ``http://127.0.0.2:41234``;
  unknown names are left as they are.
* Generated gzip: a request for ``P.gz`` where no file ``P.gz`` exists but ``P``
  does is answered with the gzip of the rendered ``P`` (``application/gzip``, raw
  bytes, deterministic). Real ``.gz`` files are served as they are.
* ``_headers.json`` in a site root sets extra response headers per URL path
  (``{"/atom.xml": {"Content-Type": "..."}}``; a key ending in ``*`` is a prefix,
  exact keys win). Path segments starting with ``_`` or ``.`` are never served.
* In-memory overrides (``SiteFiles.set``/``remove``) take precedence over disk.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import mimetypes
import posixpath
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import unquote

__all__ = ["CONTENT_TYPES", "Resource", "SiteFiles", "etag_for", "not_modified", "render_template"]

TEMPLATE_RE = re.compile(rb"\{\{base:([A-Za-z0-9_.-]+)\}\}")

TEMPLATE_SUFFIXES = {
    ".html", ".htm", ".xml", ".rss", ".atom", ".txt", ".json", ".css", ".js", ".svg"
}

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".gz": "application/gzip",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}

HEADERS_FILE = "_headers.json"


@dataclass
class Resource:
    body: bytes
    content_type: str
    last_modified: float  # epoch seconds, whole


def render_template(data: bytes, bases: Mapping[str, str]) -> bytes:
    """Replace ``{{base:NAME}}`` with ``bases[NAME]``; unknown names stay."""

    def substitute(match: re.Match[bytes]) -> bytes:
        base = bases.get(match.group(1).decode("ascii"))
        return match.group(0) if base is None else base.encode("ascii")

    return TEMPLATE_RE.sub(substitute, data)


class SiteFiles:
    """Site roots plus in-memory overrides; thread-safe."""

    def __init__(self, sites: Mapping[str, Path]) -> None:
        self.sites = {name: Path(root) for name, root in sites.items()}
        self._overrides: dict[tuple[str, str], tuple[bytes | None, float]] = {}
        self._lock = threading.Lock()

    def set(self, name: str, relpath: str, data: bytes | None) -> None:
        """Override a file (None: make it 404). Last-Modified always moves forward."""
        key = (name, clean_relpath(relpath))
        with self._lock:
            previous = self._overrides.get(key)
            earliest = previous[1] + 1 if previous else 0.0
            disk = self.sites[name] / key[1]
            if disk.is_file():
                earliest = max(earliest, int(disk.stat().st_mtime) + 1)
            # HTTP dates have one-second resolution: a change must move them.
            self._overrides[key] = (data, max(float(int(time.time())), earliest))

    def resolve(self, name: str, url_path: str, bases: Mapping[str, str]) -> Resource | None:
        """The rendered file a URL path maps to; None for 404."""
        path = unquote(url_path)
        segments = [s for s in path.split("/") if s]
        if any(s.startswith((".", "_")) for s in segments):
            return None
        rel = posixpath.normpath("/".join(segments)) if segments else ""
        if rel.startswith(".."):
            return None
        if rel in ("", "."):
            candidates = ["index.html"]
        elif path.endswith("/"):
            candidates = [f"{rel}/index.html"]
        else:
            candidates = [rel, f"{rel}.html", f"{rel}/index.html"]
        for candidate in candidates:
            found = self._load(name, candidate)
            if found is not None:
                data, mtime = found
                body = _render_file(candidate, data, bases)
                return Resource(body, content_type(candidate), mtime)
        if rel.endswith(".gz") and not path.endswith("/"):
            source = rel[:-3]
            found = self._load(name, source)
            if found is not None:
                data, mtime = found
                body = gzip.compress(_render_file(source, data, bases), mtime=0)
                return Resource(body, CONTENT_TYPES[".gz"], mtime)
        return None

    def extra_headers(self, name: str, url_path: str) -> dict[str, str]:
        """Headers from the site's ``_headers.json`` for this URL path."""
        found = self._load(name, HEADERS_FILE)
        if found is None:
            return {}
        rules: dict[str, dict[str, str]] = json.loads(found[0])
        headers: dict[str, str] = {}
        # Prefix rules first, so exact rules override them.
        for pattern, values in sorted(rules.items(), key=lambda kv: not kv[0].endswith("*")):
            if pattern.endswith("*"):
                if url_path.startswith(pattern[:-1]):
                    headers.update(values)
            elif pattern == url_path:
                headers.update(values)
        return headers

    def _load(self, name: str, relpath: str) -> tuple[bytes, float] | None:
        with self._lock:
            override = self._overrides.get((name, relpath))
        if override is not None:
            data, mtime = override
            return None if data is None else (data, mtime)
        file = self.sites[name] / relpath
        if not file.is_file():
            return None
        return file.read_bytes(), float(int(file.stat().st_mtime))


def _render_file(relpath: str, data: bytes, bases: Mapping[str, str]) -> bytes:
    if Path(relpath).suffix.lower() in TEMPLATE_SUFFIXES:
        return render_template(data, bases)
    return data


def clean_relpath(relpath: str) -> str:
    rel = posixpath.normpath(relpath.lstrip("/"))
    if rel.startswith("..") or rel in ("", "."):
        raise ValueError(f"bad site path {relpath!r}")
    return rel


def content_type(relpath: str) -> str:
    suffix = Path(relpath).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(relpath)
    return guessed or "application/octet-stream"


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def not_modified(headers: Message, etag: str, last_modified: float) -> bool:
    """Whether a conditional GET gets a 304. If-None-Match wins (RFC 9110 13.2.2)."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return last_modified <= since.timestamp()
    return False
