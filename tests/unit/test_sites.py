import re
import pytest

from crawler.sites import SitesConfigError, load_sites
from crawler.spiders.news import build_sites
from tests.support import REPO


def test_sites_file_is_read_with_its_rules(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(
        '[[site]]\nname = "kyiv"\nurl = "https://kyivindependent.com"\nfollow_depth = 1\n'
        'deny = ["^/tag/"]\nmax_pages = 50\n\n'
        '[[site]]\nurls = ["https://www.example.org/news", "https://news.example.org/"]\n'
    )
    kyiv, example = load_sites(path)
    assert (kyiv.name, kyiv.follow_depth, kyiv.max_pages) == ("kyiv", 1, 50)
    assert kyiv.deny[0].search("/tag/war") and kyiv.owns("kyivindependent.com")
    assert example.name == "example.org" and example.start_urls == ["https://www.example.org/news", "https://news.example.org/"]
    assert example.owns("cdn.example.org") and not example.owns("example.com")


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[site]]\nname = 'x'\n", "needs url"),
        ("[[site]]\nurl = 'ftp://x.org'\n", "not an http(s) URL"),
        ("[[site]]\nurl = 'https://x.org'\nfolow_depth = 1\n", "unknown keys"),
        ("[[site]]\nurl = 'https://x.org'\ndeny = ['(']\n", "bad pattern"),
        ("site = [", "invalid TOML"),
        ("title = 'no sites'\n", "no [[site]] entries"),
    ],
)
def test_bad_sites_files_get_clear_errors(tmp_path, text, message):
    path = tmp_path / "sites.toml"
    path.write_text(text)
    with pytest.raises(SitesConfigError, match=re.escape(message)):
        load_sites(path)


def test_bundled_sites_file_loads():
    sites = load_sites(REPO / "settings" / "sites.toml")
    assert sites and all(s.start_urls for s in sites)


def test_start_urls_are_sorted_into_homepages_sitemaps_and_feeds():
    sites = build_sites(
        ["https://daily.test/", "https://daily.test/sitemap_index.xml", "https://daily.test/feed.rss",
         "https://wire.test/?utm_source=x"],
        None, follow_depth=2, max_pages=0,
    )
    daily, wire = sites
    assert daily.start_urls == ["https://daily.test/"]
    assert daily.sitemaps == ["https://daily.test/sitemap_index.xml"]
    assert daily.feeds == ["https://daily.test/feed.rss"]
    assert wire.start_urls == ["https://wire.test/"]


def test_command_line_defaults_apply_to_sites_file_entries_and_hosts_are_not_split(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[[site]]\nname = "ex"\nurl = "https://example.org/"\n\n'
                    '[[site]]\nname = "deep"\nurl = "https://deep.test/"\nfollow_depth = 3\nmax_pages = 9\n')
    sites = build_sites(["https://example.org/news/", "https://example.org/sitemap.xml"], str(path),
                        follow_depth=0, max_pages=5)
    ex, deep = sites
    assert len(sites) == 2  # the URLs joined the configured site of their host
    assert (ex.name, ex.follow_depth, ex.max_pages) == ("ex", 0, 5)
    assert ex.start_urls == ["https://example.org/", "https://example.org/news/"]
    assert ex.sitemaps == ["https://example.org/sitemap.xml"]
    assert (deep.follow_depth, deep.max_pages) == (3, 9)  # its own settings win
