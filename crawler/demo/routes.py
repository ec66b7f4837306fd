"""Programmable responses for the demo server: requests, responses, routes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

__all__ = ["Handler", "RequestRecord", "Response", "Route"]


@dataclass
class RequestRecord:
    """One request as the server saw it. Route handlers receive it too (status is
    ``None`` until the response is chosen)."""

    host: str  # site name, e.g. "daily"
    method: str
    path: str  # request target: path with query string, as sent
    headers: dict[str, str]
    status: int | None = None
    time: float = field(default_factory=time.time)

    @property
    def url_path(self) -> str:
        """The path without the query string."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    def header(self, name: str, default: str | None = None) -> str | None:
        """Case-insensitive header lookup."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default


@dataclass
class Response:
    """What a route handler returns.

    ``body`` may be bytes, str (UTF-8 encoded and rendered as a template, like
    header values) or an iterable of bytes chunks, which is sent with chunked
    transfer encoding unless a Content-Length header is given. ``delay`` seconds
    pass before the status line is sent. Content-Type defaults to HTML.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str | Iterable[bytes] = b""
    delay: float = 0.0

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status=status, headers={"Location": location})


# A handler returning None lets the request fall through to file serving.
Handler = Callable[[RequestRecord], "Response | None"]


@dataclass
class Route:
    path: str  # exact target ("/a?b=1"), exact path ("/a"), or prefix ("/a/*")
    handler: Handler

    def match_rank(self, target: str) -> int | None:
        """Higher is more specific; None when the route does not apply.

        An exact target beats an exact path, which beats any prefix; among
        prefixes the longest wins.
        """
        if self.path.endswith("*"):
            prefix = self.path[:-1]
            return len(prefix) if target.startswith(prefix) else None
        if self.path == target:
            return 1_000_002
        if "?" not in self.path and self.path == urlsplit(target).path:
            return 1_000_001
        return None


def best_route(routes: Iterable[Route], target: str) -> Route | None:
    """The most specific matching route; the first of equals wins."""
    best: tuple[int, Route] | None = None
    for route in routes:
        rank = route.match_rank(target)
        if rank is not None and (best is None or rank > best[0]):
            best = (rank, route)
    return best[1] if best else None
