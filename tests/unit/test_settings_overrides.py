"""``-s KEY=VALUE`` (crawler/runner.py): known keys only, values of the
setting's type, accepted exactly when Scrapy's getters would read them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import scrapy
from scrapy.settings import Settings

from crawler.runner import (
    FLOAT_SETTINGS,
    SettingError,
    check_setting,
    known_settings,
    parse_setting_overrides,
)

KNOWN = known_settings()
SAMPLES = ["0", "1", "7", "-3", "2.5", "1e3", "true", "False", "yes", "abc", "", "{}", '{"a": 1}', "[1, 2]"]


def scrapy_reads(key: str, value: str) -> bool:
    """Whether Scrapy's getter for ``key``'s type reads ``value`` without error."""
    default = KNOWN[key]
    getter = ("getbool" if isinstance(default, bool) else
              "getfloat" if isinstance(default, float) or key in FLOAT_SETTINGS else
              "getint" if isinstance(default, int) else
              "getdict")
    try:
        getattr(Settings({key: value}), getter)(key)
    except (ValueError, TypeError):
        return False
    return True


def accepted(key: str, value: str) -> bool:
    try:
        check_setting(key, value, KNOWN)
    except SettingError:
        return False
    return True


SCALAR_AND_DICT_KEYS = sorted(k for k, v in KNOWN.items() if isinstance(v, (bool, int, float, dict)))


@pytest.mark.parametrize("key", SCALAR_AND_DICT_KEYS)
def test_values_are_accepted_exactly_when_scrapys_getter_reads_them(key: str) -> None:
    for value in SAMPLES:
        expected = scrapy_reads(key, value)
        if key.startswith("NEWSCRAWL_") and value.startswith("-") and not isinstance(KNOWN[key], bool):
            expected = False  # our counts, seconds and days are never negative
        assert accepted(key, value) == expected, (key, value)


def test_every_default_passes_its_own_check() -> None:
    for key, default in KNOWN.items():
        if isinstance(default, (bool, int, float, str)):
            assert accepted(key, str(default)), key


def test_settings_read_as_floats_with_int_defaults_are_listed() -> None:
    """Scrapy reads some settings whose default is an int with getfloat(): those
    must take "2.5". A Scrapy upgrade that adds one fails here."""
    root = Path(scrapy.__file__).parent
    read_as_float = set()
    for source in [*root.rglob("*.py"), *Path(__file__).parent.parent.joinpath("crawler").rglob("*.py")]:
        read_as_float |= set(re.findall(r'getfloat\(\s*"([A-Z0-9_]+)"', source.read_text(encoding="utf-8")))
    int_defaults = {k for k in read_as_float
                    if isinstance(KNOWN.get(k), int) and not isinstance(KNOWN.get(k), bool)}
    assert int_defaults <= FLOAT_SETTINGS


@pytest.mark.parametrize("pair, message", [
    ("NEWSCRAWL_FOLOW_DEPTH=3", "-s NEWSCRAWL_FOLOW_DEPTH: unknown setting (did you mean 'NEWSCRAWL_FOLLOW_DEPTH'?)"),
    ("CONCURENT_REQUESTS=3", "-s CONCURENT_REQUESTS: unknown setting (did you mean 'CONCURRENT_REQUESTS'?)"),
    ("XYZZY=1", "-s XYZZY: unknown setting"),
    ("NEWSCRAWL_FOLLOW_DEPTH=abc", "-s NEWSCRAWL_FOLLOW_DEPTH=abc: expected an integer (default 2)"),
    ("NEWSCRAWL_FOLLOW_DEPTH=2.5", "-s NEWSCRAWL_FOLLOW_DEPTH=2.5: expected an integer (default 2)"),
    ("NEWSCRAWL_INCREMENTAL=maybe", "-s NEWSCRAWL_INCREMENTAL=maybe: expected a boolean: true/false or 1/0"),
    ("NEWSCRAWL_EXTRACT_TIMEOUT=fast", "-s NEWSCRAWL_EXTRACT_TIMEOUT=fast: expected a number (default 20.0)"),
    ("RETRY_HTTP_CODES=500,x", "-s RETRY_HTTP_CODES=500,x: expected a list of integers"),
    ("RETRY_HTTP_CODES=[500", "-s RETRY_HTTP_CODES=[500: not a JSON list"),
    ("ITEM_PIPELINES=[1]", "-s ITEM_PIPELINES=[1]: expected a JSON object"),
    ("NEWSCRAWL_RECHECK_DAYS=-1", "-s NEWSCRAWL_RECHECK_DAYS=-1: expected a number >= 0"),
    ("NEWSCRAWL_SINCE=yesterday", "-s NEWSCRAWL_SINCE=yesterday: not a date or duration"),
    ("NEWSCRAWL_ALLOWED_NETWORKS=10.0.0.0/8,intranet",
     "-s NEWSCRAWL_ALLOWED_NETWORKS=10.0.0.0/8,intranet: 'intranet' is not a CIDR network"),
    ("LOG_LEVEL=debug", "-s LOG_LEVEL=debug: expected a log level"),
    ("no-equals-sign", "-s no-equals-sign: expected KEY=VALUE"),
])
def test_bad_settings_name_the_key_and_the_expected_type(pair: str, message: str) -> None:
    with pytest.raises(SettingError) as e:
        parse_setting_overrides([pair])
    assert str(e.value).startswith(message), str(e.value)


def test_good_settings_pass_and_json_lists_become_lists() -> None:
    assert parse_setting_overrides([
        "DOWNLOAD_DELAY=0.25", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=0", "NEWSCRAWL_DB=x.db",
        "RETRY_HTTP_CODES=500,503", "NEWSCRAWL_ALLOWED_NETWORKS=[\"10.0.0.0/8\"]",
        "NEWSCRAWL_WINDOW_DAYS=1.5", "NEWSCRAWL_SINCE=2d", "LOG_LEVEL=DEBUG", "REDIS_URL=redis://h/0",
        'DOWNLOADER_MIDDLEWARES={"x.Y": 10}', "USER_AGENT=a=b",
    ]) == {
        "DOWNLOAD_DELAY": "0.25", "AUTOTHROTTLE_ENABLED": "False", "RETRY_TIMES": "0",
        "NEWSCRAWL_DB": "x.db", "RETRY_HTTP_CODES": "500,503",
        "NEWSCRAWL_ALLOWED_NETWORKS": ["10.0.0.0/8"], "NEWSCRAWL_WINDOW_DAYS": "1.5",
        "NEWSCRAWL_SINCE": "2d", "LOG_LEVEL": "DEBUG", "REDIS_URL": "redis://h/0",
        "DOWNLOADER_MIDDLEWARES": '{"x.Y": 10}', "USER_AGENT": "a=b",
    }
