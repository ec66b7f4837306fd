import re
import pytest

from crawler.sites import SitesConfigError, load_sites
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
        ("[[site]]\nurl = 'https://x.org'\nfolow_depth = 1\n", "unknown key 'folow_depth' (did you mean 'follow_depth'?)"),
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


# --- every key of a [[site]] table is checked (crawler.sites.SITE_KEYS) ----------------------

from crawler.sites import SITE_KEYS  # noqa: E402

# A value of the wrong type for each key (TOML), and one of the right type.
WRONG = {"name": "7", "url": "[1]", "urls": "'not-a-url'", "hosts": "3", "sitemaps": "['ftp://x.org/s.xml']",
         "feeds": "{ a = 1 }", "follow_depth": '"three"', "max_pages": "-1", "allow": "5", "deny": "['(']",
         "use_sitemaps": "1", "use_feeds": '"yes"', "window_days": "-2", "recheck_days": "true",
         "recheck_every_hours": '"often"', "recheck_old_days": "[]", "render": '"sometimes"'}
RIGHT = {"name": '"ex"', "url": '"https://example.org/"', "urls": '["https://example.org/a"]',
         "hosts": '["cdn.example.org"]', "sitemaps": '"https://example.org/s.xml"',
         "feeds": '["https://example.org/feed"]', "follow_depth": "0", "max_pages": "10",
         "allow": '"^/news/"', "deny": '["^/tag/", "^/author/"]', "use_sitemaps": "false",
         "use_feeds": "true", "window_days": "1.5", "recheck_days": "2", "recheck_every_hours": "0",
         "recheck_old_days": "30", "render": '"never"'}


def test_every_key_has_a_wrong_and_a_right_example():
    assert set(WRONG) == set(RIGHT) == set(SITE_KEYS)


@pytest.mark.parametrize("key", sorted(SITE_KEYS))
def test_a_value_of_the_wrong_type_names_the_file_the_site_and_the_key(tmp_path, key):
    path = tmp_path / "sites.toml"
    second = {"name": '"second"', "url": '"https://second.test/"'}
    second[key] = WRONG[key]
    path.write_text('[[site]]\nurl = "https://first.test/"\n\n[[site]]\n'
                    + "".join(f"{k} = {v}\n" for k, v in second.items()))
    with pytest.raises(SitesConfigError) as e:
        load_sites(path)
    label = "second" if key != "name" else "https://second.test/"
    assert str(e.value).startswith(f"{path}: site #2 ({label}): {key} must be {SITE_KEYS[key][0]}"), str(e.value)


def test_values_of_the_right_type_are_read(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text("[[site]]\n" + "".join(f"{k} = {v}\n" for k, v in RIGHT.items() if k != "url"))
    (site,) = load_sites(path, follow_depth=5)
    assert (site.name, site.start_urls, site.hosts) == ("ex", ["https://example.org/a"],
                                                       ["example.org", "cdn.example.org"])
    assert site.sitemaps == ["https://example.org/s.xml"] and site.feeds == ["https://example.org/feed"]
    assert (site.follow_depth, site.max_pages, site.use_sitemaps, site.use_feeds) == (0, 10, False, True)
    assert [p.pattern for p in site.allow] == ["^/news/"]
    assert [p.pattern for p in site.deny] == ["^/tag/", "^/author/"]
    assert (site.window_days, site.recheck_days, site.recheck_every_hours, site.recheck_old_days) == (
        1.5, 2.0, 0.0, 30.0)


@pytest.mark.parametrize("typo, key", [("folow_depth", "follow_depth"), ("sitemap", "sitemaps"),
                                       ("use_feed", "use_feeds"), ("max_page", "max_pages")])
def test_a_misspelt_key_gets_a_suggestion(tmp_path, typo, key):
    path = tmp_path / "sites.toml"
    path.write_text(f'[[site]]\nname = "kyiv"\nurl = "https://kyiv.test/"\n{typo} = 1\n')
    with pytest.raises(SitesConfigError) as e:
        load_sites(path)
    assert str(e.value) == f"{path}: site #1 (kyiv): unknown key {typo!r} (did you mean {key!r}?)"


def test_a_key_nothing_resembles_gets_no_suggestion(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[[site]]\nurl = "https://kyiv.test/"\ncolour = "blue"\n')
    with pytest.raises(SitesConfigError) as e:
        load_sites(path)
    assert str(e.value) == f"{path}: site #1 (https://kyiv.test/): unknown key 'colour'"
