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
