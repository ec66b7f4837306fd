import pytest

from crawler.utils.urls import canonical_key, clean_url, host_of, is_http_url, same_site


@pytest.mark.parametrize(
    "url, cleaned",
    [
        ("https://Example.COM/a?utm_source=x&utm_medium=y&id=3#top", "https://example.com/a?id=3"),
        ("https://example.com:443/a?fbclid=abc", "https://example.com/a"),
        ("http://example.com:8080/a?gclid=1&q=ok", "http://example.com:8080/a?q=ok"),
        ("https://example.com", "https://example.com/"),
    ],
)
def test_clean_url_drops_tracking_and_fragment(url, cleaned):
    assert clean_url(url) == cleaned


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.example.com/news/a",
        "http://example.com/news/a/",
        "https://example.com/amp/news/a",
        "https://example.com/news/a/amp/",
        "https://amp.example.com/news/a",
        "https://example.com/news/a?amp=1",
        "https://example.com/news/a?outputType=amp",
        "https://example.com/print/news/a",
        "https://example.com/news/a?print=1",
        "https://example.com/news/a?utm_campaign=x#comments",
    ],
)
def test_variants_share_the_canonical_key(variant):
    assert canonical_key(variant) == canonical_key("https://example.com/news/a")


def test_distinct_pages_keep_distinct_keys():
    keys = {
        canonical_key(u)
        for u in [
            "https://example.com/news/a",
            "https://example.com/news/b",
            "https://example.com/news/a?id=2",
            "https://example.org/news/a",
            "https://example.com:8443/news/a",
            "https://example.com/news/amplifier",
        ]
    }
    assert len(keys) == 6


def test_query_order_does_not_matter():
    assert canonical_key("https://e.com/p?b=2&a=1") == canonical_key("https://e.com/p?a=1&b=2")


def test_host_and_site():
    assert host_of("https://www.Example.com/x") == "example.com"
    assert host_of("http://127.0.0.2:8001/x") == "127.0.0.2:8001"
    assert same_site("news.example.com", "example.com")
    assert not same_site("example.com", "badexample.com")
    assert not same_site("127.0.0.1:8000", "127.0.0.1:8001")
    assert is_http_url("https://e.com/x") and not is_http_url("javascript:alert(1)")
    assert not is_http_url("mailto:a@b.c") and not is_http_url("file:///etc/passwd")
