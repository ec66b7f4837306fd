"""A small, programmable HTTP server for static sample news sites.

Used by ``newscrawl demo`` and by the end-to-end tests; standard library only.
Each site directory is served on its own loopback address (``127.0.0.1``,
``127.0.0.2``, ... in order) with a port chosen by the OS. How URL paths map to
files, templating (``{{base:NAME}}``) and generated ``.gz`` files are described
in :mod:`crawler.demo.files`. Every 200 carries an ETag (hash of the body) and
Last-Modified; If-None-Match and If-Modified-Since get 304s; HEAD is supported.

Tests can override files (:meth:`SiteServer.set_file`) and install handlers
(:meth:`SiteServer.add_route`); every request is recorded in ``SiteServer.requests``.
Run ``python -m crawler.demo.server`` to serve the bundled sample web.
"""

from __future__ import annotations

import argparse
import email.utils
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.demo.files import CONTENT_TYPES, Resource, SiteFiles, etag_for, not_modified
from crawler.demo.files import render_template
from crawler.demo.routes import Handler, RequestRecord, Response, Route, best_route

__all__ = ["RequestRecord", "Response", "Route", "SiteServer", "main"]

NOT_FOUND_BODY = (
    b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
    b"<body><h1>Not Found</h1><p>The requested page does not exist.</p></body></html>\n"
)


class SiteServer:
    """Serve several site directories, one listening socket per site.

    ``sites`` maps a site name to its root directory, ``hosts`` a site name to
    the address to bind (default 127.0.0.1, 127.0.0.2, ... in order). Use as a
    context manager, or call :meth:`start` and :meth:`stop`::

        with SiteServer({"daily": root}) as server:
            server.base_url("daily")  # "http://127.0.0.1:41234"
    """

    def __init__(
        self,
        sites: dict[str, Path],
        hosts: dict[str, str] | None = None,
        *,
        port: int = 0,
        log_requests: bool = False,
    ) -> None:
        if not sites:
            raise ValueError("SiteServer needs at least one site")
        self.files = SiteFiles(sites)
        self.sites = self.files.sites
        default_hosts = {name: f"127.0.0.{i}" for i, name in enumerate(self.sites, start=1)}
        self.hosts = {**default_hosts, **(hosts or {})}
        self.port = port
        self.log_requests = log_requests
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._routes: dict[str, list[Route]] = {name: [] for name in self.sites}
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> SiteServer:
        if self._servers:
            raise RuntimeError("SiteServer already started")
        self._stopping.clear()
        try:
            for name in self.sites:
                address = (self.hosts[name], self.port)
                self._servers[name] = ThreadingHTTPServer(address, _make_handler(self, name))
        except OSError:
            self._close_servers()
            raise
        for name, httpd in self._servers.items():
            thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"SiteServer-{name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for httpd in self._servers.values():
            httpd.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        # Idle keep-alive connections would otherwise keep being served.
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._close_servers()

    def _close_servers(self) -> None:
        for httpd in self._servers.values():
            httpd.server_close()
        self._servers.clear()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------

    def base_url(self, name: str) -> str:
        try:
            host, port = self._servers[name].server_address[:2]
        except KeyError:
            if name not in self.sites:
                raise KeyError(f"unknown site {name!r}") from None
            raise RuntimeError("SiteServer is not started") from None
        return f"http://{host!s}:{port}"

    def url(self, name: str, path: str = "/") -> str:
        return self.base_url(name) + path

    def base_urls(self) -> dict[str, str]:
        return {name: self.base_url(name) for name in self._servers}

    # -- programming -------------------------------------------------------

    def add_route(self, name: str, path: str, handler: Handler) -> None:
        """Answer requests to ``path`` on site ``name`` with ``handler(request)``.

        ``path`` is matched against the request target: exactly including the
        query string; or, if it has no ``?``, against the path alone; or, ending
        in ``*``, as a prefix (longest wins). A handler returning None falls
        through to normal file serving. A later route wins over an equal earlier one.
        """
        self._check_site(name)
        with self._lock:
            self._routes[name].insert(0, Route(path, handler))

    def remove_routes(self, name: str) -> None:
        self._check_site(name)
        with self._lock:
            self._routes[name].clear()

    def set_file(self, name: str, relpath: str, content: str | bytes) -> None:
        """Override (or add) a file under the site root, in memory only.

        The content is rendered like a file on disk; Last-Modified moves forward.
        """
        self._check_site(name)
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.files.set(name, relpath, data)

    def remove_file(self, name: str, relpath: str) -> None:
        """Make a file 404 from now on, in memory only."""
        self._check_site(name)
        self.files.set(name, relpath, None)

    def _check_site(self, name: str) -> None:
        if name not in self.sites:
            raise KeyError(f"unknown site {name!r}")

    # -- request log -------------------------------------------------------

    def paths(self, name: str | None = None) -> list[str]:
        """Request targets seen so far, optionally for one site only."""
        with self._lock:
            return [r.path for r in self.requests if name is None or r.host == name]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    # -- content -----------------------------------------------------------

    def render(self, data: bytes) -> bytes:
        """Replace ``{{base:NAME}}`` with the site's base URL; unknown names stay."""
        return render_template(data, self.base_urls())

    def resolve(self, name: str, url_path: str) -> Resource | None:
        """The rendered file a URL path maps to; None for 404."""
        return self.files.resolve(name, url_path, self.base_urls())

    def find_route(self, name: str, target: str) -> Route | None:
        with self._lock:
            routes = list(self._routes[name])
        return best_route(routes, target)


def _make_handler(server: SiteServer, name: str) -> type[BaseHTTPRequestHandler]:
    class Handler(_SiteRequestHandler):
        site_server = server
        site_name = name

    return Handler


class _SiteRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "newscrawl-demo"
    sys_version = ""
    timeout = 30  # idle keep-alive connections
    site_server: SiteServer
    site_name: str

    def setup(self) -> None:
        super().setup()
        with self.site_server._lock:
            self.site_server._connections.add(self.connection)

    def finish(self) -> None:
        with self.site_server._lock:
            self.site_server._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def handle_one_request(self) -> None:
        if self.site_server._stopping.is_set():
            self.close_connection = True
            return
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.site_server.log_requests:
            sys.stderr.write(f"[{self.site_name}] {self.address_string()} - {format % args}\n")

    def _dispatch(self) -> None:
        record = RequestRecord(
            host=self.site_name,
            method=self.command,
            path=self.path,
            headers=dict(self.headers.items()),
        )
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # keep the connection usable; bodies are not recorded
        route = self.site_server.find_route(self.site_name, self.path)
        if route is not None:
            response = route.handler(record)
            if response is not None:
                self._send_route_response(record, response)
                return
        self._send_file(record)

    # Routes may answer any method; files answer GET and HEAD, others get a 405.
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def _send_route_response(self, record: RequestRecord, response: Response) -> None:
        render = self.site_server.render
        headers = {
            key: render(value.encode("utf-8")).decode("utf-8")
            for key, value in response.headers.items()
        }
        headers.setdefault("Content-Type", "text/html; charset=utf-8")
        body = response.body
        if isinstance(body, str):
            body = render(body.encode("utf-8"))
        if response.delay:
            time.sleep(response.delay)
        record.status = response.status
        self.site_server._record(record)
        no_body = self.command == "HEAD" or response.status in (204, 304) or response.status < 200
        if isinstance(body, bytes):
            headers.setdefault("Content-Length", str(len(body)))
            self._send_head(response.status, headers)
            if not no_body:
                self.wfile.write(body)
            return
        if no_body:
            self._send_head(response.status, headers)
            return
        chunked = not any(k.lower() == "content-length" for k in headers)
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        self._send_head(response.status, headers)
        self._write_chunks(iter(body), chunked)

    def _write_chunks(self, chunks: Iterator[bytes], chunked: bool) -> None:
        try:
            for chunk in chunks:
                if not chunk:
                    continue
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    self.wfile.write(chunk)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (ConnectionError, TimeoutError):
            # The client gave up (e.g. a size limit): nothing left to say.
            self.close_connection = True

    def _send_file(self, record: RequestRecord) -> None:
        if self.command not in ("GET", "HEAD"):
            self._send_simple(record, 405, b"", {"Allow": "GET, HEAD"})
            return
        url_path = urlsplit(self.path).path
        resource = self.site_server.resolve(self.site_name, url_path)
        if resource is None:
            self._send_simple(record, 404, NOT_FOUND_BODY, {"Content-Type": CONTENT_TYPES[".html"]})
            return
        etag = etag_for(resource.body)
        headers = {
            "Content-Type": resource.content_type,
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(resource.last_modified, usegmt=True),
        }
        headers.update(self.site_server.files.extra_headers(self.site_name, url_path))
        if not_modified(self.headers, etag, resource.last_modified):
            record.status = 304
            self.site_server._record(record)
            del headers["Content-Type"]
            self._send_head(304, headers)
            return
        self._send_simple(record, 200, resource.body, headers)

    def _send_simple(
        self, record: RequestRecord, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        record.status = status
        self.site_server._record(record)
        self._send_head(status, {**headers, "Content-Length": str(len(body))})
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if self.site_server._stopping.is_set():
            self.send_header("Connection", "close")
        self.end_headers()


# -- command line ------------------------------------------------------------


def _parse_site(value: str) -> tuple[str, Path]:
    name, sep, root = value.partition("=")
    if not sep:
        name, root = Path(value).name, value
    path = Path(root)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a directory: {root}")
    return name, path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demo.server",
        description="Serve sample news sites on local addresses (default: the bundled sample web).",
    )
    parser.add_argument(
        "--site",
        action="append",
        type=_parse_site,
        metavar="[NAME=]DIR",
        help="site root to serve; NAME defaults to the directory name (repeatable)",
    )
    parser.add_argument(
        "--bind",
        action="append",
        default=[],
        metavar="NAME=IP",
        help="address for a site (default 127.0.0.1, 127.0.0.2, ... in order)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on every address (default: any free)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)

    if args.site:
        sites = dict(args.site)
    else:
        from crawler.demo import SAMPLE_SITES

        sites = dict(SAMPLE_SITES)
    hosts = {}
    for item in args.bind:
        site, sep, ip = item.partition("=")
        if not sep:
            parser.error(f"--bind expects NAME=IP, got {item!r}")
        hosts[site] = ip

    server = SiteServer(sites, hosts, port=args.port, log_requests=args.verbose)
    try:
        server.start()
    except OSError as exc:
        print(f"error: cannot listen: {exc}", file=sys.stderr)
        return 1
    for name in sites:
        print(f"{name}: {server.base_url(name)}/", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
