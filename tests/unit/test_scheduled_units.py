"""The pure parts of scheduled crawls (issue 13): listing kinds, edit signals, the
skip-known rule, revisit intervals, and what storage records of them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from crawler.downloadermiddlewares.skipknown import KnownURL, apply_recheck_state
from crawler.utils.editsignals import EditSignal, EditSignals
from crawler.utils.listings import fetched_every_run, links_hash, listing_kind
from storage import open_db
from storage.queries import listing_state, recheck_state, record_not_modified, record_signal, store_page
from storage.recheck import RevisitPolicy, later, next_interval, signal_says
from tests.support.factories import extraction, not_article, record


@pytest.mark.parametrize("url,depth,source,kind", [
    ("https://news.example/", 0, "start", "start"),
    ("https://news.example/world/", 1, "link", "section"),
    ("https://news.example/world/europe/", 1, "link", "section"),
    ("https://news.example/world/europe/", 2, "link", "page"),
    ("https://news.example/about", 1, "sitemap", "page"),
    ("https://news.example/tag/ukraine/", 1, "link", "tag"),
    ("https://news.example/tags/energy", 2, "link", "tag"),
    ("https://news.example/topics/climate/", 1, "link", "topic"),
    ("https://news.example/author/jane-doe/", 1, "link", "author"),
    ("https://news.example/authors/jane-doe/", 2, "link", "author"),
    ("https://news.example/archive/2026/11/20/", 1, "link", "archive"),
    ("https://news.example/2026/11/", 1, "link", "archive"),
    ("https://news.example/2026/11/20/", 1, "link", "archive"),
    ("https://news.example/world/page/3/", 1, "link", "pagination"),
    ("https://news.example/world/?page=2", 1, "link", "pagination"),
    ("https://news.example/tag/ukraine/page/2/", 1, "link", "pagination"),
    ("https://news.example/search?q=ferry", 1, "link", "search"),
    ("https://news.example/search/ferry", 2, "link", "search"),
])
def test_listing_kinds(url: str, depth: int, source: str, kind: str) -> None:
    assert listing_kind(url, depth, source) == kind


def test_only_homepages_and_section_fronts_are_fetched_every_run() -> None:
    assert fetched_every_run("start") and fetched_every_run("section")
    assert not any(fetched_every_run(k) for k in ("tag", "topic", "author", "archive", "search", "pagination", "page"))


def test_links_hash_ignores_order_and_repeats() -> None:
    a = links_hash(["https://x/1", "https://x/2", "https://x/1"])
    assert a == links_hash(["https://x/2", "https://x/1"]) != links_hash(["https://x/1", "https://x/3"])


def test_signal_says_by_the_sites_own_dates() -> None:
    recorded = "2026-11-20T10:00:00+00:00"
    # newer than recorded: re-check; whatever the timezone the site writes it in
    assert signal_says(recorded, "2026-11-20T12:30:00+02:00", "2026-11-20T12:30:00+02:00") is True
    # the same instant in another timezone, or older: not changed
    assert signal_says(recorded, "2026-11-20T12:00:00+02:00", "2026-11-20T12:00:00+02:00") is False
    assert signal_says(recorded, "2026-11-19", "2026-11-19") is False
    # only a publication date that is not newer: no opinion (the age rule decides)
    assert signal_says(recorded, "2026-11-20T09:00:00+00:00", None) is None
    # a newer publication date (republished): re-check
    assert signal_says(recorded, "2026-11-21T09:00:00+00:00", None) is True
    # nothing to compare
    assert signal_says(None, "2026-11-21", "2026-11-21") is None
    assert signal_says(recorded, None, None) is None
    # dates in the distant past or future compare as dates, not against this machine's clock
    assert signal_says("1999-01-01T00:00:00Z", "1999-01-02T00:00:00Z", "1999-01-02T00:00:00Z") is True
    assert signal_says("2999-01-02T00:00:00Z", "2999-01-01T00:00:00Z", "2999-01-01T00:00:00Z") is False


def test_later_keeps_the_sites_string() -> None:
    assert later("2026-11-20T12:00:00+02:00", "2026-11-20T11:00:00+00:00") == "2026-11-20T11:00:00+00:00"
    assert later(None, "2026-11-20") == "2026-11-20" and later("junk", "2026-11-20") == "2026-11-20"
    assert later("junk", None) is None and later(None, None) is None


def test_edit_signals_keep_the_latest_of_each_kind() -> None:
    signals = EditSignals()
    key = "https://news.example/a"
    assert signals.see(key, lastmod="2026-11-20T10:00:00Z", published="2026-11-19T10:00:00Z")
    assert not signals.see(key, lastmod="2026-11-18T10:00:00Z", published=None)  # older: nothing moves
    assert signals.see(key, lastmod=None, published="2026-11-21T10:00:00Z")  # a feed's later date
    assert signals.get(key) == EditSignal(latest="2026-11-21T10:00:00Z", lastmod="2026-11-20T10:00:00Z")
    assert not signals.see(key, lastmod="not a date", published="")
    assert not signals.get("https://news.example/b")
    # what the request's own sitemap entry says counts too (a cluster worker's)
    got = signals.for_request("https://news.example/b", {"lastmod": "2026-11-22", "title": "x"})
    assert got == EditSignal(latest="2026-11-22", lastmod="2026-11-22")


def test_next_interval_doubles_while_unchanged_and_resets_on_change() -> None:
    policy = RevisitPolicy(min_seconds=3600, max_seconds=4 * 3600)
    assert next_interval(policy, None, changed=False) == 3600  # first visit
    assert next_interval(policy, 3600, changed=False) == 7200
    assert next_interval(policy, 7200, changed=False) == 4 * 3600
    assert next_interval(policy, 4 * 3600, changed=False) == 4 * 3600  # capped
    assert next_interval(policy, 4 * 3600, changed=True) == 3600


class _Crawler:
    def __init__(self) -> None:
        self.stats = MemoryStatsCollector(SimpleNamespace(settings=Settings({"STATS_DUMP": False})))  # type: ignore[arg-type]


@pytest.mark.parametrize("recorded,due,signal,rechecked", [
    # a newer sitemap date: re-checked whatever the article's age (not due by age)
    ("2026-11-20T10:00:00+00:00", False, EditSignal("2026-11-21T10:00:00+00:00", "2026-11-21T10:00:00+00:00"), True),
    # a lastmod that is not newer: skipped even when the age rule would re-check it
    ("2026-11-20T10:00:00+00:00", True, EditSignal("2026-11-20T10:00:00+00:00", "2026-11-20T10:00:00+00:00"), False),
    # no signal this run: the age rule
    ("2026-11-20T10:00:00+00:00", True, EditSignal(), True),
    ("2026-11-20T10:00:00+00:00", False, EditSignal(), False),
    # only a publication date that is not newer: the age rule
    ("2026-11-20T10:00:00+00:00", True, EditSignal("2026-11-19T10:00:00+00:00", None), True),
])
def test_the_skip_known_rule(recorded: str, due: bool, signal: EditSignal, rechecked: bool) -> None:
    crawler = _Crawler()
    request = Request("https://news.example/a", meta={"newscrawl_role": "page"})
    state = {"due": due, "etag": '"v1"', "last_modified": None, "content_hash": "h", "signal": recorded}
    if rechecked:
        apply_recheck_state(request, state, crawler, signal)  # type: ignore[arg-type]
        assert request.headers["If-None-Match"] == b'"v1"' and request.meta["newscrawl_known_hash"] == "h"
    else:
        with pytest.raises(KnownURL):
            apply_recheck_state(request, state, crawler, signal)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path):
    d = open_db(tmp_path / "news.db")
    yield d
    d.conn.close()


def test_storage_records_the_signal_a_page_was_fetched_under(db) -> None:
    ex = extraction(url="https://daily/a")
    ex.modified = None
    rec = record("https://daily/a", ex=ex, headers={"Last-Modified": "Fri, 20 Nov 2026 09:00:00 GMT"})
    rec.signal_modified, rec.signal_lastmod = "2026-11-20T10:00:00+00:00", "2026-11-20T10:00:00+00:00"
    store_page(db, rec)
    # no dateModified on the page: the sitemap's lastmod is the article's modification date
    assert db.execute("SELECT modified FROM articles").fetchone()[0] == "2026-11-20T10:00:00+00:00"
    # the reference is the latest of the recorded signal and the page's own dates
    assert recheck_state(db, "https://daily/a")["signal"] == "2026-11-20T10:00:00+00:00"
    record_not_modified(db, url_key="https://daily/a", fetched_url="https://daily/a", status=304,
                        reason="http 304 not modified", signal_modified="2026-11-21T08:00:00+00:00")
    assert recheck_state(db, "https://daily/a")["signal"] == "2026-11-21T08:00:00+00:00"
    # a signal learnt later in the same run
    record_signal(db, url_key="https://daily/a", signal_modified="2026-11-22T08:00:00+00:00",
                  signal_lastmod="2026-11-22T08:00:00+00:00", run_id=None)
    assert recheck_state(db, "https://daily/a")["signal"] == "2026-11-22T08:00:00+00:00"


def test_rows_stored_without_a_signal_compare_with_the_pages_own_dates(db) -> None:
    ex = extraction(url="https://daily/a")
    ex.published, ex.modified = "2026-11-20T10:00:00+02:00", "2026-11-20T11:00:00+02:00"
    store_page(db, record("https://daily/a", ex=ex, headers={"Last-Modified": "Fri, 20 Nov 2026 07:00:00 GMT"}))
    assert recheck_state(db, "https://daily/a")["signal"] == "2026-11-20T11:00:00+02:00"
    ex2 = extraction(url="https://daily/b", body="Another story entirely. " * 30)
    ex2.published, ex2.modified = "2026-11-20T10:00:00+02:00", None
    store_page(db, record("https://daily/b", ex=ex2, headers={"Last-Modified": "Fri, 20 Nov 2026 12:00:00 GMT"}))
    assert recheck_state(db, "https://daily/b")["signal"] == "2026-11-20T12:00:00+00:00"


def test_a_listing_page_gets_a_revisit_interval_that_adapts(db) -> None:
    policy = RevisitPolicy(min_seconds=3600, max_seconds=3 * 3600)

    def visit(links: str | None, at: str, kind: str = "tag") -> dict:
        rec = record("https://daily/tag/x", ex=not_article("not_article: listing", url="https://daily/tag/x"))
        rec.listing, rec.links_hash, rec.revisit, rec.fetched_at = kind, links, policy, at
        store_page(db, rec)
        return dict(zip(("interval", "next_visit", "listing", "links_hash"), db.execute(
            "SELECT revisit_interval, next_visit, listing, links_hash FROM urls WHERE url = 'https://daily/tag/x'"
        ).fetchone()))

    assert visit("h1", "2026-11-20T10:00:00+00:00")["interval"] == 3600  # first visit
    assert visit("h1", "2026-11-20T11:00:00+00:00")["interval"] == 7200  # same links
    row = visit(None, "2026-11-20T13:00:00+00:00")  # links not read this time: same
    assert row["interval"] == 3 * 3600 and row["next_visit"] == "2026-11-20T16:00:00+00:00"
    assert row["links_hash"] == "h1"
    assert visit("h2", "2026-11-20T16:00:00+00:00")["interval"] == 3600  # new links
    assert listing_state(db, "https://daily/tag/x")["interval"] == 3600
    # a page fetched every run has no interval
    row = visit("h3", "2026-11-20T17:00:00+00:00", kind="section")
    assert row["interval"] is None and row["next_visit"] is None
    assert listing_state(db, "https://daily/tag/x") is None
