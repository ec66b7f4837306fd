"""Author-name cleaning (issue 12c): what bylines glue to a name, and what stays."""

from __future__ import annotations

import pytest

from crawler.extraction.authors import clean_authors, split_names


@pytest.mark.parametrize("raw, expected", [
    # a surname that starts like a weekday abbreviation stays whole before a date
    ("Jane Doe, 04.05.2024, 12:30 Uhr", ["Jane Doe"]),
    ("Dominik Sommer 04.05.2024", ["Dominik Sommer"]),
    ("John Fry Jan 5, 2024", ["John Fry"]),
    ("Max Muster Do, 04.05.2024", ["Max Muster"]),
    # publication stamps after the name, with whatever date or time follows them
    ("Jane Doe Published 3:45 PM EST, Mon March 4, 2024", ["Jane Doe"]),
    ("Jane Doe Aktualisiert am 04.05.2024", ["Jane Doe"]),
    ("Jane Doe Published: 3 hours ago", ["Jane Doe"]),
    ("Jane Doe Updated 12:30 GMT", ["Jane Doe"]),
    # reading time and relative days in the byline row
    ("Jane Doe · 5 min read", ["Jane Doe"]),
    ("Jane Doe 5 Min. Lesezeit", ["Jane Doe"]),
    ("Jane Doe Yesterday", ["Jane Doe"]),
    ("Max Muster heute, 12:30", ["Max Muster"]),
    # contact details and the row's buttons
    ("김철수 기자 kim@example.co.kr", ["김철수"]),
    ("Jane Doe @janedoe", ["Jane Doe"]),
    ("Jane Doe Twitter", ["Jane Doe"]),
    ("Jane Doe Follow", ["Jane Doe"]),
    # job titles that end in a job noun, with their qualifiers
    ("Jane Doe Senior Health Reporter", ["Jane Doe"]),
    ("Jane Doe, Digital Producer", ["Jane Doe"]),
    ("Jane Doe, Associate Editor", ["Jane Doe"]),
    # an editor's credit is not authorship; a writer's is
    ("Written by Jane Doe | Edited by John Roe", ["Jane Doe"]),
    ("Edited by John Roe", ["John Roe"]),
])
def test_split_names_drops_what_bylines_glue_to_a_name(raw: str, expected: list[str]) -> None:
    assert split_names(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("Jane Doe, USA TODAY", ["Jane Doe", "USA TODAY"]),  # a brand's TODAY is no date
    ("Chris Today", ["Chris Today"]),  # one word left would be no name: kept whole
    ("Health Editor", []),  # a job title alone names nobody
    ("Jane Health", ["Jane Health"]),  # a qualifier counts only before a job noun
    ("Reported by Jane Doe", ["Jane Doe"]),
    ("Jane Doe and Tom Sunday", ["Jane Doe", "Tom Sunday"]),
])
def test_names_that_only_look_like_those_tails_stay(raw: str, expected: list[str]) -> None:
    assert clean_authors([raw]) == expected


def test_metadata_naming_one_of_two_in_an_unlinked_byline_gives_way_to_the_byline() -> None:
    import lxml.html

    from crawler.extraction.authors import with_co_authors
    from crawler.extraction.metadata import PageMeta

    tree = lxml.html.fromstring(
        "<html><body><article><h1>Headline of the story</h1>"
        '<div class="byline">By <span class="name">Jane Doe</span> and '
        '<span class="name">John Roe</span>, Senior Reporters</div>'
        "<p>Text.</p></article></body></html>")
    assert with_co_authors(["Jane Doe"], PageMeta(), tree, []) == ["Jane Doe", "John Roe"]
    # a byline block that does not name the metadata's author is another article's
    other = lxml.html.fromstring(
        '<html><body><div class="byline">By Ann Lee and Bo Chan</div></body></html>')
    assert with_co_authors(["Jane Doe"], PageMeta(), other, []) == ["Jane Doe"]


@pytest.mark.parametrize("raw, expected", [
    ("admin", []), ("Webmaster", []), ("Administrator", []),
    ("kesm", ["kesm"]),  # a reporter's short code stays
    ("dpa", ["dpa"]),
])
def test_cms_accounts_are_not_bylines(raw: str, expected: list[str]) -> None:
    assert clean_authors([raw]) == expected
