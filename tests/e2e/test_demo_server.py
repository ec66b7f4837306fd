"""The demo site server and the bundled sample web (crawler/demo)."""

from __future__ import annotations

import email.utils
import gzip
import html
import http.client
import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pytest

from crawler.demo import MANIFEST_PATH, SAMPLE_SITES, load_manifest, sample_server
from crawler.demo.server import RequestRecord, Response, SiteServer

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
STORY_BODY = re.compile(
    r'<div class="(?:story-body|article__text|wr-story)">(.*?</p>)\s*</div>', re.S
)
BOILERPLATE = ["Subscribe to our newsletter", "Related articles", "Video", "cookie-banner"]


class Fetched:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Fetched:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn.request(method, target, headers=headers or {})
        resp = conn.getresponse()
        return Fetched(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def sample_web() -> Iterator[SiteServer]:
    """The bundled sample web, served read-only for the whole module."""
    with sample_server() as server:
        yield server


@pytest.fixture
def tiny_site_server(tmp_path: Path) -> Iterator[SiteServer]:
    """A server for two small throwaway sites, 'a' on 127.0.0.1 and 'b' on 127.0.0.2."""
    a = tmp_path / "a"
    (a / "news").mkdir(parents=True)
    (a / "index.html").write_text('<a href="{{base:b}}/x">b</a> {{base:a}} {{base:nope}}')
    (a / "news" / "story.html").write_text("<h1>Story</h1>")
    (a / "section").mkdir()
    (a / "section" / "index.html").write_text("<h1>Section</h1>")
    (a / "data.bin").write_bytes(b"{{base:a}}")
    (a / "sitemap.xml").write_text("<urlset><url><loc>{{base:a}}/news/story</loc></url></urlset>")
    b = tmp_path / "b"
    b.mkdir()
    (b / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    with SiteServer({"a": a, "b": b}) as server:
        yield server


@pytest.fixture(scope="module")
def manifest() -> dict:
    return load_manifest()


# -- server ---------------------------------------------------------------


def test_hosts_get_their_own_loopback_addresses(tiny_site_server: SiteServer) -> None:
    a, b = tiny_site_server.base_url("a"), tiny_site_server.base_url("b")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", a)
    assert re.fullmatch(r"http://127\.0\.0\.2:\d+", b)
    assert fetch(b + "/robots.txt").status == 200
    assert fetch(a + "/robots.txt").status == 404


def test_text_files_are_templates(tiny_site_server: SiteServer) -> None:
    page = fetch(tiny_site_server.url("a", "/"))
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    b = tiny_site_server.base_url("b")
    a = tiny_site_server.base_url("a")
    assert page.text == f'<a href="{b}/x">b</a> {a} {{{{base:nope}}}}'
    # Binary files are served untouched.
    assert fetch(tiny_site_server.url("a", "/data.bin")).body == b"{{base:a}}"


def test_pretty_urls_and_query_strings(tiny_site_server: SiteServer) -> None:
    for path in ["/news/story", "/news/story.html", "/news/story?utm_source=x&utm_medium=y"]:
        assert fetch(tiny_site_server.url("a", path)).text == "<h1>Story</h1>", path
    for path in ["/section/", "/section", "/section/?page=1"]:
        assert fetch(tiny_site_server.url("a", path)).text == "<h1>Section</h1>", path
    assert fetch(tiny_site_server.url("a", "/news/story/")).status == 404


def test_unknown_and_hidden_paths_are_404(tiny_site_server: SiteServer) -> None:
    for path in ["/missing", "/news/", "/../a/index.html", "/%2e%2e/b/robots.txt"]:
        page = fetch(tiny_site_server.url("a", path))
        assert page.status == 404, path
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"Not Found" in page.body


def test_generated_gzip_sitemap(tiny_site_server: SiteServer) -> None:
    got = fetch(tiny_site_server.url("a", "/sitemap.xml.gz"))
    assert got.status == 200
    assert got.headers["Content-Type"] == "application/gzip"
    assert got.headers.get("Content-Encoding") is None
    plain = fetch(tiny_site_server.url("a", "/sitemap.xml"))
    assert plain.headers["Content-Type"] == "application/xml"
    assert gzip.decompress(got.body) == plain.body
    assert tiny_site_server.base_url("a").encode() in plain.body
    # Deterministic bytes, so the ETag is stable between requests.
    again = fetch(tiny_site_server.url("a", "/sitemap.xml.gz"))
    assert again.headers["ETag"] == got.headers["ETag"]


def test_etag_and_if_none_match(tiny_site_server: SiteServer) -> None:
    url = tiny_site_server.url("a", "/news/story")
    first = fetch(url)
    etag = first.headers["ETag"]
    assert etag and etag.startswith('"')
    again = fetch(url, headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    assert again.headers["ETag"] == etag
    assert fetch(url, headers={"If-None-Match": f'"other", W/{etag}'}).status == 304
    assert fetch(url, headers={"If-None-Match": '"other"'}).status == 200


def test_if_modified_since(tiny_site_server: SiteServer) -> None:
    url = tiny_site_server.url("a", "/news/story")
    last_modified = fetch(url).headers["Last-Modified"]
    assert email.utils.parsedate_to_datetime(last_modified).tzinfo is not None
    assert fetch(url, headers={"If-Modified-Since": last_modified}).status == 304
    earlier = email.utils.formatdate(
        email.utils.parsedate_to_datetime(last_modified).timestamp() - 60, usegmt=True
    )
    assert fetch(url, headers={"If-Modified-Since": earlier}).status == 200
    assert fetch(url, headers={"If-Modified-Since": "garbage"}).status == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    assert fetch(url, headers=both).status == 200


def test_head_has_headers_but_no_body(tiny_site_server: SiteServer) -> None:
    url = tiny_site_server.url("a", "/news/story")
    head = fetch(url, method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == str(len("<h1>Story</h1>"))
    assert head.headers["ETag"] == fetch(url).headers["ETag"]
    assert fetch(url, method="POST").status == 405


def test_set_file_changes_content_etag_and_last_modified(tiny_site_server: SiteServer) -> None:
    url = tiny_site_server.url("a", "/news/story")
    before = fetch(url)
    tiny_site_server.set_file("a", "news/story.html", "<h1>Updated {{base:a}}</h1>")
    after = fetch(url)
    assert after.text == f"<h1>Updated {tiny_site_server.base_url('a')}</h1>"
    assert after.headers["ETag"] != before.headers["ETag"]
    assert fetch(url, headers={"If-None-Match": before.headers["ETag"]}).status == 200
    assert fetch(url, headers={"If-Modified-Since": before.headers["Last-Modified"]}).status == 200
    assert fetch(url, headers={"If-None-Match": after.headers["ETag"]}).status == 304
    # A second change within the same second still moves Last-Modified.
    tiny_site_server.set_file("a", "news/story.html", b"<h1>Again</h1>")
    again = fetch(url, headers={"If-Modified-Since": after.headers["Last-Modified"]})
    assert again.status == 200 and again.text == "<h1>Again</h1>"
    # New files and removals.
    tiny_site_server.set_file("a", "/fresh.xml", "<x/>")
    assert fetch(tiny_site_server.url("a", "/fresh.xml")).text == "<x/>"
    assert fetch(tiny_site_server.url("a", "/fresh.xml.gz")).status == 200
    tiny_site_server.remove_file("a", "news/story.html")
    assert fetch(url).status == 404


def test_routes_status_headers_and_delay(tiny_site_server: SiteServer) -> None:
    seen: list[RequestRecord] = []

    def slow_gone(request: RequestRecord) -> Response:
        seen.append(request)
        body = "gone from {{base:b}}"
        return Response(status=410, headers={"X-Test": "yes"}, body=body, delay=0.3)

    tiny_site_server.add_route("a", "/news/story", slow_gone)
    started = time.monotonic()
    got = fetch(tiny_site_server.url("a", "/news/story?x=1"))
    assert time.monotonic() - started >= 0.3
    assert got.status == 410
    assert got.headers["X-Test"] == "yes"
    assert got.text == f"gone from {tiny_site_server.base_url('b')}"
    assert seen[0].path == "/news/story?x=1"
    assert seen[0].url_path == "/news/story"
    assert seen[0].query == {"x": ["1"]}
    assert seen[0].header("host") == tiny_site_server.base_url("a").removeprefix("http://")
    # Another host is unaffected.
    assert fetch(tiny_site_server.url("b", "/news/story")).status == 404


def test_route_matching_rules(tiny_site_server: SiteServer) -> None:
    def answer(text: str) -> Callable[[RequestRecord], Response]:
        return lambda request: Response(body=text, headers={"Content-Type": "text/plain"})

    tiny_site_server.add_route("a", "/trap/*", answer("prefix"))
    tiny_site_server.add_route("a", "/trap/deep/*", answer("longer prefix"))
    tiny_site_server.add_route("a", "/page", answer("path"))
    tiny_site_server.add_route("a", "/page?amp=1", answer("exact"))
    tiny_site_server.add_route("a", "/news/story", lambda request: None)  # falls through

    def text(path: str) -> str:
        return fetch(tiny_site_server.url("a", path)).text

    assert text("/trap/1") == "prefix"
    assert text("/trap/deep/2?x") == "longer prefix"
    assert text("/page") == "path"
    assert text("/page?utm=1") == "path"
    assert text("/page?amp=1") == "exact"
    assert text("/news/story") == "<h1>Story</h1>"


def test_route_redirect_and_streamed_body(tiny_site_server: SiteServer) -> None:
    def moved_permanently(request: RequestRecord) -> Response:
        return Response.redirect("{{base:a}}/news/story", 301)

    def big_page(request: RequestRecord) -> Response:
        return Response(body=(b"x" * 1000 for _ in range(50)))

    tiny_site_server.add_route("a", "/old", moved_permanently)
    tiny_site_server.add_route("a", "/big", big_page)
    moved = fetch(tiny_site_server.url("a", "/old"))
    assert moved.status == 301
    assert moved.headers["Location"] == tiny_site_server.url("a", "/news/story")
    big = fetch(tiny_site_server.url("a", "/big"))
    assert big.headers["Transfer-Encoding"] == "chunked"
    assert big.body == b"x" * 50_000


def test_request_log(tiny_site_server: SiteServer) -> None:
    fetch(tiny_site_server.url("a", "/news/story?utm_source=t"), headers={"User-Agent": "probe"})
    fetch(tiny_site_server.url("a", "/missing"))
    fetch(tiny_site_server.url("b", "/robots.txt"), method="HEAD")
    records = tiny_site_server.requests
    assert [(r.host, r.method, r.path, r.status) for r in records] == [
        ("a", "GET", "/news/story?utm_source=t", 200),
        ("a", "GET", "/missing", 404),
        ("b", "HEAD", "/robots.txt", 200),
    ]
    assert records[0].headers["User-Agent"] == "probe"
    assert records[0].time <= records[1].time <= time.time()
    assert tiny_site_server.paths("b") == ["/robots.txt"]
    tiny_site_server.clear_requests()
    assert tiny_site_server.requests == []


def test_base_url_needs_a_started_server(tmp_path: Path) -> None:
    server = SiteServer({"a": tmp_path}, hosts={"a": "127.0.0.1"})
    with pytest.raises(RuntimeError):
        server.base_url("a")
    with server:
        with pytest.raises(KeyError):
            server.base_url("zzz")
    with pytest.raises(RuntimeError):
        server.base_url("a")


def test_stop_closes_idle_keep_alive_connections(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("home")
    server = SiteServer({"a": tmp_path}).start()
    parts = urlsplit(server.base_url("a"))
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"home"
        server.stop()
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            conn.request("GET", "/")
            conn.getresponse()
    finally:
        conn.close()
    assert server.paths() == ["/"]


def test_standalone_command_prints_urls() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.demo.server"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(2)]
        urls = dict(line.split(": ", 1) for line in lines)
        assert set(urls) == {"daily", "wire"}
        robots = fetch(urls["daily"] + "robots.txt")
        assert robots.status == 200
        assert f"Sitemap: {urls['daily']}sitemap_index.xml" in robots.text
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert "Warning" not in stderr
    assert "GET" not in stderr  # quiet unless --verbose


# -- the sample web ---------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.link_rels: dict[str, list[dict[str, str | None]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        if tag == "a" and d.get("href"):
            self.hrefs.append(str(d["href"]))
        if tag == "link" and d.get("rel"):
            self.link_rels.setdefault(str(d["rel"]), []).append(d)


def parse_links(text: str) -> _Links:
    parser = _Links()
    parser.feed(text)
    return parser


def ref(server: SiteServer, url: str) -> tuple[str, str]:
    """(host name, path with query and fragment) for a URL on the sample web."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    host = next(name for name in SAMPLE_SITES if server.base_url(name) == origin)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return host, target + (f"#{parts.fragment}" if parts.fragment else "")


def locs(server: SiteServer, body: bytes) -> set[tuple[str, str]]:
    return {ref(server, el.text or "") for el in ET.fromstring(body).iter(f"{SM}loc")}


def all_html_pages(manifest: dict) -> list[tuple[str, str]]:
    pages = [(p["host"], p["path"]) for p in manifest["pages"]]
    for art in manifest["articles"]:
        for u in art["urls"]:
            pages.append((u["host"], u["path"].split("#")[0].split("?")[0]))
    return sorted(set(pages))


def test_manifest_is_valid_json_with_expected_shape(manifest: dict) -> None:
    assert MANIFEST_PATH.is_file()
    assert manifest["schema_version"] == 1
    assert set(manifest["hosts"]) == set(SAMPLE_SITES)
    ids = [a["id"] for a in manifest["articles"]]
    assert len(ids) == len(set(ids)) >= 12
    for art in manifest["articles"]:
        assert art["urls"][0]["kind"] == "canonical"
        assert (art["urls"][0]["host"], art["urls"][0]["path"]) == (art["host"], art["path"])
    kinds = {u["kind"] for a in manifest["articles"] for u in a["urls"]}
    assert kinds == {"canonical", "tracking", "fragment", "amp", "print", "syndicated"}
    assert sum(a["link_only"] for a in manifest["articles"]) == 1
    assert sum(a["feed_only"] for a in manifest["articles"]) == 1
    assert any(len(a["authors"]) >= 2 for a in manifest["articles"])
    assert any(a["language"] != "en" for a in manifest["articles"])
    assert any(not a["structured_data"]["json_ld"] for a in manifest["articles"])
    syndicated = [u for a in manifest["articles"] for u in a["urls"] if u["kind"] == "syndicated"]
    assert any(not v["canonical_link"] for v in syndicated)
    for art in manifest["articles"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", art["published"])


def test_every_html_file_is_in_the_manifest(manifest: dict) -> None:
    listed = set(all_html_pages(manifest))
    on_disk = set()
    for name, root in SAMPLE_SITES.items():
        for file in root.rglob("*.html"):
            rel = file.relative_to(root).as_posix()
            if rel == "index.html":
                path = "/"
            elif rel.endswith("/index.html"):
                path = "/" + rel[: -len("index.html")]
            else:
                path = "/" + rel
            on_disk.add((name, path))
    # Pretty URLs drop ".html" except where the site links the .html name itself.
    resolved = {(h, p if (h, p) in listed else p.removesuffix(".html")) for h, p in on_disk}
    assert resolved == listed


def test_no_template_markers_left_in_served_files(sample_web: SiteServer, manifest: dict) -> None:
    text_paths = [
        ("daily", "/robots.txt"),
        ("daily", "/sitemap_index.xml"),
        ("daily", "/sitemap-news.xml"),
        ("daily", "/feed.rss"),
        ("daily", "/atom.xml"),
        ("wire", "/robots.txt"),
        ("wire", "/sitemap.xml"),
    ] + all_html_pages(manifest)
    for host, path in text_paths:
        got = fetch(sample_web.url(host, path))
        assert got.status == 200, (host, path)
        assert "{{" not in got.text, (host, path)


def test_article_urls_serve_their_article(sample_web: SiteServer, manifest: dict) -> None:
    for art in manifest["articles"]:
        for url in art["urls"]:
            host, path = url["host"], url["path"]
            got = fetch(sample_web.url(host, path.split("#")[0]))
            assert got.status == 200, path
            assert got.headers["Content-Type"] == "text/html; charset=utf-8"
            assert art["title"] in html.unescape(got.text), path


def test_canonical_links_match_the_manifest(sample_web: SiteServer, manifest: dict) -> None:
    for art in manifest["articles"]:
        canonical = sample_web.url(art["host"], art["path"])
        page = parse_links(fetch(canonical).text)
        assert [link["href"] for link in page.link_rels["canonical"]] == [canonical]
        for v in art["urls"]:
            if v["kind"] in ("amp", "print", "syndicated"):
                variant = parse_links(fetch(sample_web.url(v["host"], v["path"])).text)
                hrefs = [link["href"] for link in variant.link_rels.get("canonical", [])]
                assert (hrefs == [canonical]) is v["canonical_link"], v["path"]


def test_syndicated_copy_has_the_same_body_text(sample_web: SiteServer, manifest: dict) -> None:
    def paragraphs(text: str) -> list[str]:
        return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", text)]

    copies = 0
    for art in manifest["articles"]:
        page = fetch(sample_web.url(art["host"], art["path"])).text
        story = STORY_BODY.search(page)
        assert story, art["id"]
        body = paragraphs(story.group(1))
        assert len(" ".join(body).split()) >= 150, art["id"]
        for v in art["urls"]:
            if v["kind"] in ("syndicated", "amp", "print"):
                copy = paragraphs(fetch(sample_web.url(v["host"], v["path"])).text)
                assert [p for p in copy if p in body] == body, v["path"]
                copies += 1
    assert copies >= 3


def test_sitemaps_match_the_manifest(sample_web: SiteServer, manifest: dict) -> None:
    daily = manifest["hosts"]["daily"]
    robots = fetch(sample_web.url("daily", daily["robots"])).text
    assert f"Sitemap: {sample_web.url('daily', daily['sitemap_index'])}" in robots

    index = fetch(sample_web.url("daily", daily["sitemap_index"]))
    children = {path for _, path in locs(sample_web, index.body)}
    assert children == set(daily["sitemaps"]) | set(daily["missing_sitemaps"])
    for path in daily["missing_sitemaps"]:
        assert fetch(sample_web.url("daily", path)).status == 404

    gz = fetch(sample_web.url("daily", "/sitemap-articles.xml.gz"))
    assert gz.headers["Content-Type"] == "application/gzip"
    urlset = ET.fromstring(gzip.decompress(gz.body))
    assert urlset.tag == f"{SM}urlset"
    assert all(el.text for el in urlset.iter(f"{SM}lastmod"))
    in_sitemaps = locs(sample_web, gzip.decompress(gz.body))
    in_sitemaps |= locs(sample_web, fetch(sample_web.url("wire", "/sitemap.xml")).body)

    news_body = fetch(sample_web.url("daily", daily["news_sitemap"])).body
    in_news = locs(sample_web, news_body)
    news_root = ET.fromstring(news_body)
    for url in news_root.iter(f"{SM}url"):
        date = url.findtext(f"{NEWS}news/{NEWS}publication_date")
        assert date and re.search(r"([+-]\d\d:\d\d|Z)$", date)
        assert url.findtext(f"{NEWS}news/{NEWS}title")

    expected_sitemap, expected_news = set(), set()
    for art in manifest["articles"]:
        urls = [(u["host"], u["path"], u) for u in art["urls"]]
        for host, path, entry in urls:
            if entry["in_sitemap"]:
                expected_sitemap.add((host, path))
            if entry["in_news_sitemap"]:
                expected_news.add((host, path))
        any_url = {(h, p) for h, p, _ in urls}
        assert bool(any_url & in_sitemaps) is art["in_sitemap"], art["id"]
        assert bool(any_url & in_news) is art["in_news_sitemap"], art["id"]
    assert in_sitemaps == expected_sitemap
    assert in_news == expected_news
    assert 3 <= len(in_news) <= 6


def test_feeds_match_the_manifest(sample_web: SiteServer, manifest: dict) -> None:
    feeds = manifest["hosts"]["daily"]["feeds"]
    rss = fetch(sample_web.url("daily", feeds["rss"]))
    assert rss.headers["Content-Type"] == "application/rss+xml"
    rss_items = {ref(sample_web, el.text or "") for el in ET.fromstring(rss.body).iter("link")}
    atom = fetch(sample_web.url("daily", feeds["atom"]))
    assert atom.headers["Content-Type"].startswith("application/atom+xml")
    atom_items = {
        ref(sample_web, el.get("href", ""))
        for entry in ET.fromstring(atom.body).iter(f"{ATOM}entry")
        for el in entry.iter(f"{ATOM}link")
    }
    feeds_items = {"rss": rss_items, "atom": atom_items}
    for art in manifest["articles"]:
        found = set()
        for url in art["urls"]:
            key = (url["host"], url["path"])
            in_feeds = {name for name, items in feeds_items.items() if key in items}
            assert in_feeds == set(url["in_feeds"]), url["path"]
            found |= in_feeds
        assert found == set(art["in_feeds"]), art["id"]
    urls = [u for a in manifest["articles"] for u in a["urls"]]
    for name, items in feeds_items.items():
        listed = {(u["host"], u["path"]) for u in urls if name in u["in_feeds"]}
        assert items - {("daily", "/")} == listed, name


def test_feeds_are_advertised_on_every_daily_page(sample_web: SiteServer, manifest: dict) -> None:
    skip = {"amp", "print"}
    urls = [u for a in manifest["articles"] for u in a["urls"]]
    variants = {(u["host"], u["path"]) for u in urls if u["kind"] in skip}
    for host, path in all_html_pages(manifest):
        if host != "daily" or (host, path) in variants or path.startswith("/private/"):
            continue
        alternates = parse_links(fetch(sample_web.url(host, path)).text).link_rels["alternate"]
        types = {link["type"] for link in alternates}
        assert {"application/rss+xml", "application/atom+xml"} <= types, path


def test_link_graph_matches_the_manifest(sample_web: SiteServer, manifest: dict) -> None:
    links: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for host, path in all_html_pages(manifest):
        page_url = sample_web.url(host, path)
        for href in parse_links(fetch(page_url).text).hrefs:
            links.setdefault(ref(sample_web, urljoin(page_url, href)), set()).add((host, path))

    def linked_from(entry: dict) -> set[tuple[str, str]]:
        return {(x["host"], x["path"]) for x in entry["linked_from"]}

    for art in manifest["articles"]:
        sources: set[tuple[str, str]] = set()
        for url in art["urls"]:
            assert links.get((url["host"], url["path"]), set()) == linked_from(url), url["path"]
            sources |= linked_from(url)
        if art["link_only"]:
            assert sources and not (art["in_sitemap"] or art["in_news_sitemap"] or art["in_feeds"])
            kinds = {p["kind"] for p in manifest["pages"] if (p["host"], p["path"]) in sources}
            assert kinds == {"section"} and len(sources) == 1, art["id"]
        if art["feed_only"]:
            assert not sources and not art["in_sitemap"] and art["in_feeds"], art["id"]
    for entry in manifest["never_request"]:
        assert links[(entry["host"], entry["path"])] == linked_from(entry)


def test_robots_txt_disallows_as_listed(sample_web: SiteServer, manifest: dict) -> None:
    for name, host in manifest["hosts"].items():
        text = fetch(sample_web.url(name, host["robots"])).text
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        for prefix in host["disallow"]:
            assert f"Disallow: {prefix}" in text
            assert not parser.can_fetch("newscrawl", sample_web.url(name, prefix + "x"))
        for page in manifest["pages"]:
            if page["host"] == name:
                allowed = parser.can_fetch("newscrawl", sample_web.url(name, page["path"]))
                assert allowed is not page["disallowed"], page["path"]
    for entry in manifest["never_request"]:
        parser = RobotFileParser()
        parser.parse(fetch(sample_web.url(entry["host"], "/robots.txt")).text.splitlines())
        assert not parser.can_fetch("newscrawl", sample_web.url(entry["host"], entry["path"]))
    private = [p for p in manifest["pages"] if p["kind"] == "private"]
    assert private and all(p["disallowed"] for p in private)
    # The page exists; only robots.txt keeps a polite crawler away.
    assert fetch(sample_web.url("daily", private[0]["path"])).status == 200


def test_non_article_pages(sample_web: SiteServer, manifest: dict) -> None:
    for page in manifest["pages"]:
        text = fetch(sample_web.url(page["host"], page["path"])).text
        og = re.search(r'property="og:type" content="([^"]+)"', text)
        assert (og.group(1) if og else None) == page["og_type"], page["path"]
        ld = re.search(r'<script type="application/ld\+json">\s*(\{.*?\})\s*</script>', text, re.S)
        ld_type = json.loads(ld.group(1))["@type"] if ld else None
        assert ld_type == page["json_ld_type"], page["path"]
        assert "NewsArticle" not in text


def test_article_metadata_matches_the_manifest(sample_web: SiteServer, manifest: dict) -> None:
    for art in manifest["articles"]:
        text = fetch(sample_web.url(art["host"], art["path"])).text
        assert f'<html lang="{art["language"]}"' in text
        ld = re.search(r'<script type="application/ld\+json">\s*(\{.*?\})\s*</script>', text, re.S)
        assert bool(ld) is art["structured_data"]["json_ld"], art["id"]
        if ld:
            data = json.loads(ld.group(1))
            nodes = data.get("@graph", [data])
            article = next(n for n in nodes if n["@type"] == "NewsArticle")
            assert article["headline"] == art["title"]
            assert article["datePublished"] == art["published"]
            authors = article["author"]
            if not isinstance(authors, list):
                authors = [authors]
            assert [a["name"] for a in authors] == art["authors"]
        else:
            assert f'content="{art["published"]}"' in text
            for author in art["authors"]:
                assert author in text
        if art["host"] == "daily":
            assert f"<title>{html.escape(art['title'])} | The Harbour Daily</title>" in text
            assert 'property="og:type" content="article"' in text
            for boilerplate in BOILERPLATE:
                assert boilerplate in text, (art["id"], boilerplate)


def test_seed_article_keeps_its_boilerplate(sample_web: SiteServer, manifest: dict) -> None:
    art = next(a for a in manifest["articles"] if a["authors"] == ["Tim Zadorozhnyy"])
    assert art["published"].startswith("2025-03-27")
    text = html.unescape(fetch(sample_web.url(art["host"], art["path"])).text)
    for fragment in [
        "by <span class=\"author\">Tim Zadorozhnyy</span>",
        "Author: <span class=\"author\">Tim Zadorozhnyy</span>",
        "The Power Within: The Kyiv Independent’s first-ever magazine",
        "Expert negotiator dissects Ukraine-Russia ceasefire talks.",
        "North Korea transferred around 3,000 additional soldiers to Russia",
        "including the town of Sudzha.",
    ]:
        assert fragment in text
