"""Golden extraction cases: hand-written pages in tests/golden/extraction/.

Each ``NAME.html`` has a ``NAME.json`` with the page URL, optional response headers,
the fields expected exactly (``expect``), the start of ``reason``, expected
``signals`` values, and sentences the body must / must not contain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.extraction import EXTRACTOR_VERSION, extract_page

GOLDEN = Path(__file__).parent / "golden" / "extraction"
CASES = sorted(p.stem for p in GOLDEN.glob("*.json"))
CONTRACT_KEYS = {"url", "canonical_url", "title", "authors", "published", "body", "language",
                 "site", "description", "tags", "image", "is_article", "reason", "signals",
                 "extractor"}


def load_case(name: str) -> tuple[dict[str, Any], bytes]:
    spec = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return spec, (GOLDEN / f"{name}.html").read_bytes()


@pytest.fixture(params=CASES)
def golden_case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    spec, html = load_case(request.param)
    return spec, extract_page(html, spec["url"], spec.get("headers")).as_dict()


def test_there_are_article_and_listing_cases() -> None:
    specs = [load_case(name)[0] for name in CASES]
    assert sum(s["expect"]["is_article"] for s in specs) >= 6
    assert sum(not s["expect"]["is_article"] for s in specs) >= 4


def test_expected_fields(golden_case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    spec, out = golden_case
    for key, value in spec["expect"].items():
        assert out[key] == value, f"{key}: {out[key]!r} != {value!r} ({out['reason']})"


def test_reason_and_signals(golden_case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    spec, out = golden_case
    assert out["reason"].startswith(spec["reason_startswith"]), out["reason"]
    for key, value in spec.get("signals", {}).items():
        assert out["signals"][key] == value


def test_body_keeps_article_and_drops_boilerplate(
        golden_case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    spec, out = golden_case
    for sentence in spec["body_contains"]:
        assert sentence in out["body"]
    for junk in spec["body_excludes"]:
        assert junk.casefold() not in out["body"].casefold(), junk


def test_output_follows_the_contract(golden_case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    spec, out = golden_case
    assert set(out) == CONTRACT_KEYS
    assert out["extractor"] == EXTRACTOR_VERSION
    assert out["url"] == spec["url"]
    assert isinstance(out["authors"], list) and isinstance(out["tags"], list)
    assert json.loads(json.dumps(out)) == out  # JSON-safe, no lxml objects
    assert "\n\n" not in out["body"]


def test_str_input_gives_the_same_result_as_bytes() -> None:
    spec, html = load_case("kyiv_independent_article")
    from_str = extract_page(html.decode("utf-8"), spec["url"]).as_dict()
    from_bytes = extract_page(html, spec["url"]).as_dict()
    assert from_str["signals"].pop("charset") == "str"
    assert from_bytes["signals"].pop("charset") == "utf-8"
    assert from_str == from_bytes


def test_header_names_in_any_case_and_wrong_header_charset() -> None:
    spec, html = load_case("uk_windows1251")
    expected = extract_page(html, spec["url"]).as_dict()
    for headers in ({"Content-Type": "text/html; charset=UTF-8"},
                    {b"Content-Type": [b"text/html; charset=utf-8"]},
                    {"CONTENT-TYPE": "text/html;charset=utf-8"}, {}):
        out = extract_page(html, spec["url"], headers).as_dict()
        assert out["title"] == expected["title"] == "У Києві відкрили новий міст через Дніпро"


def test_utf8_page_survives_a_latin1_header() -> None:
    spec, html = load_case("ja_graph")
    out = extract_page(html, spec["url"], {"Content-Type": "text/html; charset=ISO-8859-1"}).as_dict()
    assert out["title"] == spec["expect"]["title"]


@pytest.mark.parametrize("html", [
    b"", "", b"   \n\t", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, b"%PDF-1.7\n%\xe2\xe3",
    b"\x00" * 100, b"<", b"<html><body></body></html>", "<p>short</p>", b"\xff\xfe\x00\x00",
])
def test_bad_input_is_not_an_article_and_does_not_raise(html: bytes | str) -> None:
    out = extract_page(html, "https://example.test/x").as_dict()
    assert out["is_article"] is False
    assert out["reason"].startswith("not_article")
    assert set(out) == CONTRACT_KEYS


def test_truncated_page_does_not_raise() -> None:
    spec, html = load_case("kyiv_independent_article")
    for cut in (len(html) // 3, len(html) // 2, len(html) - 200):
        out = extract_page(html[:cut], spec["url"]).as_dict()
        assert set(out) == CONTRACT_KEYS
        assert isinstance(out["is_article"], bool)
