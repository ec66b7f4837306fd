"""crawler.discovery.xmlsafe: untrusted bytes made safe to walk. Gzip read in bounded
steps (bombs, floods of members, truncation, corruption) and XML parsed with no entity
expansion, no DTD loading and no network (billion laughs, XXE), each protection checked."""

from __future__ import annotations

import gzip
import http.server
import os
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from crawler.discovery import Entry, parse_discovery_document, parse_feed, parse_sitemap, xmlsafe
from tests.support.discovery_docs import BASE, NEWS_NS, urls_of, urlset


def test_gzipped_sitemap_is_recognised_by_magic_bytes_not_by_name() -> None:
    body = gzip.compress(urlset("<url><loc>https://news.example/a</loc></url>"))
    for parse in (parse_sitemap, parse_discovery_document):
        parsed = parse(body, "https://news.example/sitemap.xml")
        assert (parsed.kind, urls_of(parsed), parsed.error) == (
            "urlset",
            ["https://news.example/a"],
            None,
        )


def test_concatenated_gzip_members_are_one_document() -> None:
    doc = urlset("<url><loc>https://news.example/a</loc></url>")
    body = gzip.compress(doc[:40]) + gzip.compress(doc[40:]) + b"\n\0trailing junk"
    assert urls_of(parse_sitemap(body, BASE)) == ["https://news.example/a"]


def test_a_flood_of_empty_gzip_members_is_refused_after_a_bounded_number(
        monkeypatch: pytest.MonkeyPatch) -> None:
    inflaters = []

    def decompressobj(*args: int) -> Any:
        inflaters.append(args)
        return zlib.decompressobj(*args)

    monkeypatch.setattr(xmlsafe, "zlib", SimpleNamespace(
        decompressobj=decompressobj, MAX_WBITS=zlib.MAX_WBITS, error=zlib.error))
    body = gzip.compress(b"") * 500_000
    parsed = parse_sitemap(body, BASE)
    assert len(inflaters) == xmlsafe._MAX_GZIP_MEMBERS == 10_000  # not 500,000
    assert parsed.error and parsed.error.startswith("more than 10000 gzip members")


def test_bare_ampersand_in_loc_keeps_the_whole_url() -> None:
    body = urlset("<url><loc>https://news.example/q?id=1&page=2&amp;x=3</loc></url>")
    assert urls_of(parse_sitemap(body, BASE)) == ["https://news.example/q?id=1&page=2&x=3"]


def test_malformed_xml_recovers_parsed_entries_and_says_why() -> None:
    body = urlset(
        "<url><loc>https://news.example/a</loc></url><url><loc>https://news.example/b</loc></url>"
    )[:-30]  # cut inside the second <url>
    parsed = parse_sitemap(body, BASE)
    assert parsed.kind == "urlset"
    assert urls_of(parsed) == ["https://news.example/a"]  # not half of /b's URL
    assert parsed.error and "malformed XML" in parsed.error


def numbered(n: int) -> list[str]:
    return [f"https://news.example/{i}" for i in range(n)]


def complete_locs(doc: bytes) -> int:
    """How many <loc> elements ``doc`` closes."""
    return doc.count(b"</loc>")


def test_truncated_gzip_reports_truncation_and_keeps_what_was_read() -> None:
    doc = urlset(*(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(2000)))
    body = gzip.compress(doc)
    parsed = parse_sitemap(body[: len(body) // 2], BASE)
    assert parsed.error and "truncated gzip" in parsed.error
    assert 0 < len(parsed.entries) < 2000
    assert urls_of(parsed) == numbered(len(parsed.entries))  # whole URLs only


def test_corrupt_gzip_is_an_error_not_an_exception() -> None:
    body = gzip.compress(urlset())[:10] + b"\x00garbage\xff" * 10
    parsed = parse_sitemap(body, BASE)
    assert parsed.kind == "unknown" and parsed.error and "gzip" in parsed.error


def test_deeply_nested_xml_stops_at_the_depth_limit() -> None:
    body = b"<urlset>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</urlset>"
    parsed = parse_sitemap(body, BASE)
    assert parsed.entries == []
    assert parsed.error and "Excessive depth in document: 256" in parsed.error  # libxml2's limit


def test_gzip_bomb_stops_at_max_size_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * (20 * 2**20), compresslevel=9)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        parsed = parse_sitemap(bomb, BASE, max_size=2**20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20  # the 20 MB were never held
    assert parsed.error and "decompressed size exceeds 1048576 bytes" in parsed.error
    assert parsed.entries == []


def test_oversized_gzip_sitemap_keeps_entries_before_the_limit() -> None:
    doc = urlset(*(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(100_000)))
    parsed = parse_sitemap(gzip.compress(doc), BASE, max_size=100_000)
    assert parsed.error and "decompressed size exceeds 100000 bytes" in parsed.error
    assert urls_of(parsed) == numbered(complete_locs(doc[:100_000]))


def test_oversized_uncompressed_body_is_cut_with_an_error() -> None:
    doc = urlset(*(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(1000)))
    parsed = parse_sitemap(doc, BASE, max_size=2000)
    assert parsed.error and "document size exceeds 2000 bytes" in parsed.error
    assert urls_of(parsed) == numbered(complete_locs(doc[:2000])) == numbered(42)
    # A plain-text sitemap cut in the middle of a line keeps the whole lines only.
    text = "".join(f"{url}\n" for url in numbered(1000)).encode()
    parsed = parse_sitemap(text, BASE, max_size=2000)
    assert parsed.error and "document size exceeds 2000 bytes" in parsed.error
    assert urls_of(parsed) == numbered(text[:2000].count(b"\n"))


def laughs(levels: int) -> bytes:
    decls = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    top = f"&lol{levels};"
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{decls}]><rss><channel><item>'
        f"<title>A{top}B</title><link>https://news.example/ok</link></item>"
        f"<item><title>t</title><link>https://news.example/{top}</link></item></channel></rss>"
    ).encode()


def test_billion_laughs_is_not_expanded() -> None:
    parsed = parse_feed(laughs(9), BASE)
    assert parsed.error and parsed.error.startswith("document declares entities; they were not expanded")
    assert len(repr(parsed)) < 2_000
    assert "lollol" not in repr(parsed)


def test_small_entity_expansion_is_not_performed_either() -> None:
    # 1000 x "lol" stays under libxml2's own amplification guard: only our parser
    # settings keep it unexpanded, and an entity inside a link drops that entry.
    parsed = parse_feed(laughs(3), BASE)
    assert parsed.entries == [Entry("https://news.example/ok", "rss", title="AB")]
    assert parsed.error and "not expanded" in parsed.error


XXE_DOCUMENTS = {
    "sitemap": (
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{uri}">]>'
        f'<urlset xmlns:news="{NEWS_NS}"><url><loc>https://news.example/a</loc>'
        "<news:news><news:title>T&xxe;</news:title></news:news></url>"
        "<url><loc>https://news.example/&xxe;</loc></url></urlset>"
    ),
    "feed": (
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{uri}">]><rss><channel><item>'
        "<title>&xxe;</title><link>https://news.example/b</link>"
        "</item><item><link>https://news.example/&xxe;</link></item></channel></rss>"
    ),
}


@pytest.mark.parametrize("kind", sorted(XXE_DOCUMENTS))
def test_xxe_file_entity_is_never_read(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT\n")
    body = XXE_DOCUMENTS[kind].replace("{uri}", secret.as_uri()).encode()
    parsed = parse_discovery_document(body, BASE)
    assert "TOP-SECRET" not in repr(parsed)
    assert len(parsed.entries) == 1  # the entry whose URL held the entity is dropped
    assert parsed.error and "not expanded" in parsed.error


def test_xxe_etc_passwd_does_not_leak() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&xxe;</title><link>https://news.example/b</link></item></channel></rss>"
    )
    assert "root:" not in repr(parse_discovery_document(body, BASE))


def test_external_parameter_entity_is_not_expanded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "PARAM-LEAK">')
    for doctype in (
        f'<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{dtd.as_uri()}"> %ext;]>',
        f'<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">',
    ):
        body = f"{doctype}<rss><channel><item><title>x&leak;y</title><link>https://news.example/c</link></item></channel></rss>"
        parsed = parse_feed(body.encode(), BASE)
        assert "PARAM-LEAK" not in repr(parsed)
        assert [e.title for e in parsed.entries] == ["xy"]


@pytest.fixture
def opened_file(tmp_path: Path) -> Iterator[tuple[str, Callable[[], bool]]]:
    """A named pipe and a probe telling whether anyone opened it for reading: the one
    way to see that a parser loaded an external DTD even when it then used nothing."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    pipe = tmp_path / "external.dtd"
    os.mkfifo(pipe)
    opened: list[bool] = []

    def writer() -> None:
        fd = os.open(pipe, os.O_WRONLY)  # blocks until a reader opens the pipe
        opened.append(True)
        os.write(fd, b'<!ENTITY leak "PIPE-LEAK">')
        os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    yield pipe.as_uri(), lambda: bool(opened)
    if not opened:  # release the writer
        fd = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
        thread.join(5)
        os.close(fd)
    thread.join(5)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss SYSTEM "{uri}">',
        '<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{uri}"> %ext;]>',
        '<!DOCTYPE rss [<!ENTITY ext SYSTEM "{uri}">]>',
    ],
    ids=["external-dtd", "parameter-entity", "general-entity"],
)
def test_external_dtds_and_entities_are_never_opened(
    opened_file: tuple[str, Callable[[], bool]], doctype: str
) -> None:
    uri, was_opened = opened_file
    body = (
        doctype.format(uri=uri) + "<rss><channel><item><title>a&ext;&leak;b</title>"
        "<link>https://news.example/e</link></item></channel></rss>"
    )
    parsed = parse_feed(body.encode(), BASE)
    assert not was_opened()
    assert [e.title for e in parsed.entries] == ["ab"]


def test_libxml2_resource_limits_stay_on() -> None:
    # huge_tree=False keeps libxml2's depth (256) and text-node (10 MB) limits.
    deep = b"<rss><channel>" + b"<x>" * 1000 + b"</x>" * 1000 + b"</channel></rss>"
    assert "depth" in (parse_feed(deep, BASE).error or "")
    big = b"<rss><channel><item><title>" + b"x" * (11 * 2**20) + b"</title></item></channel></rss>"
    assert "Text node too long" in (parse_feed(big, BASE, max_size=12 * 2**20).error or "")


@pytest.fixture
def request_log() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every path it is asked for; yields (base URL, log)."""
    log: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log.append(self.path)
            body = b'<!ENTITY leak "NET-LEAK">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()


def test_external_entities_and_dtds_are_never_fetched(request_log: tuple[str, list[str]]) -> None:
    base, log = request_log
    body = (
        f'<!DOCTYPE rss SYSTEM "{base}/dtd" [<!ENTITY net SYSTEM "{base}/entity">'
        f'<!ENTITY % p SYSTEM "{base}/param"> %p;]>'
        "<rss><channel><item><title>&net;&leak;</title><link>https://news.example/d</link></item></channel></rss>"
    ).encode()
    parsed = parse_discovery_document(body, BASE)
    assert log == []
    assert "NET-LEAK" not in repr(parsed)
