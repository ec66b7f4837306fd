"""Golden extraction cases: hand-written pages in tests/golden/extraction/.

Each ``NAME.html`` has a ``NAME.json`` with the page URL, optional response headers,
the fields expected exactly (``expect``), the start of ``reason``, expected
``signals`` values, and sentences the body must / must not contain.  The pages are
written for the project (modelled on patterns news sites use, not copied from any).

Extraction runs in strict mode here: an exception inside the extractor fails the test
instead of coming back as an ordinary "not_article" page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from crawler.extraction import EXTRACTOR_VERSION, extract_page
from crawler.extraction.bodyhtml import ALLOWED_TAGS, body_paragraphs, html_paragraphs

GOLDEN = Path(__file__).parent / "golden" / "extraction"
CASES = sorted(p.stem for p in GOLDEN.glob("*.json"))
CONTRACT_KEYS = {"url", "canonical_url", "title", "authors", "published", "modified", "body", "body_html", "language",
                 "site", "description", "tags", "image", "images", "section", "paywalled", "is_article", "reason", "signals",
                 "extractor"}


def load_case(name: str) -> tuple[dict[str, Any], bytes]:
    spec = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return spec, (GOLDEN / f"{name}.html").read_bytes()


@pytest.fixture(params=CASES)
def golden_case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    spec, html = load_case(request.param)
    return spec, extract_page(html, spec["url"], spec.get("headers"), strict=True).as_dict()


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


def test_body_html_holds_the_body_and_nothing_that_runs(
        golden_case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """body_html has the same paragraphs as body, the structure and links each case
    names, and no script, style or event handler whatever the page held."""
    spec, out = golden_case
    assert html_paragraphs(out["body_html"]) == body_paragraphs(out["body"])
    for fragment in spec.get("body_html_contains", []):
        assert fragment in out["body_html"], fragment
    for fragment in spec.get("body_html_excludes", []):
        assert fragment not in out["body_html"], fragment
    if out["body_html"]:
        root = lxml.html.fragment_fromstring(out["body_html"], create_parent="div")
        for el in root.iter():
            assert el is root or el.tag in ALLOWED_TAGS, el.tag
            assert set(el.attrib) <= {"href", "rel", "src", "alt", "width", "datetime"}, el.attrib
            for attr in ("href", "src"):
                assert el.get(attr) is None or el.get(attr).startswith(("https://", "http://"))


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
    from_str = extract_page(html.decode("utf-8"), spec["url"], strict=True).as_dict()
    from_bytes = extract_page(html, spec["url"], strict=True).as_dict()
    assert from_str["signals"].pop("charset") == "str"
    assert from_bytes["signals"].pop("charset") == "utf-8"
    assert from_str == from_bytes


def test_header_names_in_any_case_and_wrong_header_charset() -> None:
    spec, html = load_case("uk_windows1251")
    expected = extract_page(html, spec["url"], strict=True).as_dict()
    for headers in ({"Content-Type": "text/html; charset=UTF-8"},
                    {b"Content-Type": [b"text/html; charset=utf-8"]},
                    {"CONTENT-TYPE": "text/html;charset=utf-8"}, {}):
        out = extract_page(html, spec["url"], headers, strict=True).as_dict()
        assert out["title"] == expected["title"] == "У Києві відкрили новий міст через Дніпро"


def test_utf8_page_survives_a_latin1_header() -> None:
    spec, html = load_case("ja_graph")
    out = extract_page(html, spec["url"], {"Content-Type": "text/html; charset=ISO-8859-1"},
                       strict=True).as_dict()
    assert out["title"] == spec["expect"]["title"]


@pytest.mark.parametrize("html", [
    b"", "", b"   \n\t", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, b"%PDF-1.7\n%\xe2\xe3",
    b"\x00" * 100, b"<", b"<html><body></body></html>", "<p>short</p>", b"\xff\xfe\x00\x00",
])
def test_bad_input_is_not_an_article_and_does_not_raise(html: bytes | str) -> None:
    out = extract_page(html, "https://example.test/x", strict=True).as_dict()
    assert out["is_article"] is False
    assert out["reason"].startswith("not_article")
    assert set(out) == CONTRACT_KEYS


def test_truncated_page_does_not_raise() -> None:
    spec, html = load_case("kyiv_independent_article")
    for cut in (len(html) // 3, len(html) // 2, len(html) - 200):
        out = extract_page(html[:cut], spec["url"], strict=True).as_dict()
        assert set(out) == CONTRACT_KEYS
        assert isinstance(out["is_article"], bool)


def test_golden_pages_cover_each_class_of_fix() -> None:
    """The classes of issue 12 each have a page: keep them when editing cases."""
    for name in ("kyiv_independent_article", "en_split_article_truncation",
                 "ko_site_label_role_word", "de_kicker_lesen_sie_auch",
                 "en_org_author_relative_time", "en_two_person_byline",
                 "de_standfirst_outside_body"):
        assert name in CASES


def test_golden_pages_cover_the_record_fields() -> None:
    """Issue 17's pages: a lead photo with caption and credit (the seed article), srcset
    and an in-body gallery, a paywalled article, a live blog, a page with no images."""
    for name in ("kyiv_independent_full", "en_gallery_srcset", "en_paywalled", "en_liveblog",
                 "en_no_images"):
        assert name in CASES


def _raise(*args: object, **kwargs: object) -> dict[str, Any]:
    raise RuntimeError("extractor bug")


def test_an_extraction_bug_raises_in_strict_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.extraction.page as page

    spec, html = load_case("kyiv_independent_article")
    monkeypatch.setattr(page, "analyse", _raise)
    with pytest.raises(RuntimeError, match="extractor bug"):
        extract_page(html, spec["url"], strict=True)
    monkeypatch.setenv(page.STRICT_ENV, "1")
    with pytest.raises(RuntimeError, match="extractor bug"):
        extract_page(html, spec["url"])


def test_an_extraction_bug_is_recorded_when_lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crawl survives a bad page, and the page says why it has no article."""
    import crawler.extraction.page as page

    spec, html = load_case("kyiv_independent_article")
    monkeypatch.delenv(page.STRICT_ENV, raising=False)
    monkeypatch.setattr(page, "analyse", _raise)
    out = extract_page(html, spec["url"], strict=False).as_dict()
    assert out["is_article"] is False
    assert out["reason"] == "not_article: extraction error RuntimeError"
    assert out["signals"]["error"] == "RuntimeError: extractor bug"
    assert set(out) == CONTRACT_KEYS


def test_a_good_page_carries_no_error() -> None:
    spec, html = load_case("kyiv_independent_article")
    assert "error" not in extract_page(html, spec["url"], strict=False).signals
