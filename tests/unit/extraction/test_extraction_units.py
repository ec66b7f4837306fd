"""Unit tests for the pure cleaners: titles, authors, dates, charset choice, detection."""

from __future__ import annotations

import lxml.html
import pytest
from lxml.html import HtmlElement

from crawler.extraction.authors import (author_links, byline_from_text, clean_authors,
                                        is_organisation, is_publisher, labelled_byline,
                                        split_names, twitter_credit)
from crawler.extraction.bodyhtml import Block, Reading
from crawler.extraction.body import (Announced, clean_body, drop_related_links,
                                     drop_teaser_cards, looks_like_nav_dump, markup_text,
                                     standfirst, with_standfirst, with_subheadings)
from crawler.extraction.domains import host_names, is_domain_name
from crawler.extraction.dates import parse_date
from crawler.extraction.decode import choose_charset, decode_html, looks_binary
from crawler.extraction.detect import judge, url_signals
from crawler.extraction.metadata import PageMeta, headline_text, parse_jsonld
from crawler.extraction.titles import drop_kicker, pick_title, shared_headline, strip_site

SITE = ["Börsen-Zeitung", "boersen-zeitung", "boersen-zeitung.de"]


@pytest.mark.parametrize("title, names, expected", [
    ("Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung", SITE,
     "Steigende US-Zinsen setzen Dax zu"),
    ("Ukrainische Gegenoffensive: Ziele, Chancen, Risiken | DW | 28.04.2023", ["dw", "DW.COM"],
     "Ukrainische Gegenoffensive: Ziele, Chancen, Risiken"),
    ("Death toll rises | Spain | The Guardian", ["the Guardian", "theguardian"],
     "Death toll rises"),
    ("Tageblatt.lu | Vierschanzentournee | Beleidigen und beschuldigen",
     ["Tageblatt.lu"], "Vierschanzentournee | Beleidigen und beschuldigen"),
    ("LTE-Patent: Samsung soll Smartphones zerstören - Golem.de", ["golem"],
     "LTE-Patent: Samsung soll Smartphones zerstören"),
    ("Rückschlag im Titelkampf - Liverpool verliert bei Everton", ["sportschau"],
     "Rückschlag im Titelkampf - Liverpool verliert bei Everton"),
    ("Covid-19: what we know", ["example"], "Covid-19: what we know"),
])
def test_strip_site(title: str, names: list[str], expected: str) -> None:
    assert strip_site(title, names) == expected


def test_drop_kicker_only_with_the_bare_headline_on_offer() -> None:
    title = "Neue Leipziger Schule: Judy Lybke, ganz und gar nicht eigenartig"
    assert drop_kicker(title, ["Judy Lybke, ganz und gar nicht eigenartig"]) == \
        "Judy Lybke, ganz und gar nicht eigenartig"
    assert drop_kicker(title, ["Something else entirely"]) == title


@pytest.mark.parametrize("raw, expected", [
    ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
    ("Von Anna Schmidt und Peter Müller, Hannover", ["Anna Schmidt", "Peter Müller"]),
    ("Autor: Tim Zadorozhnyy", ["Tim Zadorozhnyy"]),
    ("Autorin: Lea Wagner", ["Lea Wagner"]),
    ("Par Marie Dupont", ["Marie Dupont"]),
    ("Автор: Олена Коваленко", ["Олена Коваленко"]),
    ("Felix Schröder und Jörg Soldwisch, dpa", ["Felix Schröder", "Jörg Soldwisch", "dpa"]),
    ("Mamokete Modiba, Claire Benit-Gbaffou, Sarah Charlton and Tanya Zack",
     ["Mamokete Modiba", "Claire Benit-Gbaffou", "Sarah Charlton", "Tanya Zack"]),
    ("Elena Oberholzer (obe)", ["Elena Oberholzer"]),
    ("Mathias Hagen / Journalist", ["Mathias Hagen"]),
    ("https://www.facebook.com/faz", []),
    ("d.kuckelkorn@boersen-zeitung.de", []),
    ("By 배윤경,이상현,한수진", ["배윤경", "이상현", "한수진"]),
    ("Giovanni Di Maio", ["Giovanni Di Maio"]),
    ("Anna De Vries", ["Anna De Vries"]),
    ("Text: Anna De Vries", ["Anna De Vries"]),
])
def test_split_names(raw: str, expected: list[str]) -> None:
    assert split_names(raw) == expected


def test_clean_authors_dedupes_and_drops_publisher_next_to_people() -> None:
    assert clean_authors(["Emma Mackenzie", "emma-mackenzie", "EMMA MACKENZIE"]) == \
        ["Emma Mackenzie"]
    assert clean_authors(["Anna Sleegers", "Börsen-Zeitung"], SITE) == ["Anna Sleegers"]
    # the publisher alone stays: it is who the page credits
    assert clean_authors(["Börsen-Zeitung"], SITE) == ["Börsen-Zeitung"]
    assert clean_authors(["Reuters", "Thorsten Kramer"], SITE) == ["Reuters", "Thorsten Kramer"]


def test_byline_from_text() -> None:
    assert byline_from_text("Par Marie Dupont\nLe texte commence ici.") == ["Marie Dupont"]
    assert byline_from_text("By the way, this is prose.\nMore prose.") == []


@pytest.mark.parametrize("value, expected", [
    ("2025-03-27T13:11:00.000+02:00", "2025-03-27T13:11:00+02:00"),
    ("2024-08-28T11:26:02.614Z", "2024-08-28T11:26:02.614000+00:00"),
    ("2023-04-28T19:20:36+0200", "2023-04-28T19:20:36+02:00"),
    ("2026-01-06 14:16:29 +01:00", "2026-01-06T14:16:29+01:00"),
    ("2024-04-24", "2024-04-24"),
    ("2024-04-28T09:36:00", "2024-04-28T09:36:00"),
    ("Fri Apr 28 19:20:36 CEST 2023", "2023-04-28T19:20:36+02:00"),
    ("2023-02-30T10:00:00Z", None),
    ("1970-01-01T00:00:00Z", None),
    ("3024-01-01", None),
    ("yesterday", None),
    (None, None),
])
def test_parse_date_keeps_the_page_time_zone(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


def test_charset_choice() -> None:
    cp1251 = '<meta charset="windows-1251"><p>Привіт, світе</p>'.encode("cp1251")
    assert choose_charset(cp1251) == "cp1251"
    assert choose_charset(cp1251, {"Content-Type": "text/html; charset=utf-8"}) == "cp1251"
    utf8 = '<meta charset="utf-8"><p>Grüße</p>'.encode()
    assert choose_charset(utf8, {"content-type": "text/html; charset=iso-8859-1"}) == "utf-8"
    assert choose_charset(b"\xef\xbb\xbf<p>x</p>", {"content-type": "text/html; charset=cp1252"}) \
        == "utf-8"
    latin = '<meta charset="iso-8859-1"><p>Grüße</p>'.encode("cp1252")
    assert decode_html(latin)[0].endswith("Grüße</p>")


def test_looks_binary() -> None:
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert looks_binary(bytes(range(32)) * 10)
    assert not looks_binary(b"<html><body>plain</body></html>")


def test_parse_jsonld_forgives_trailing_commas_and_comments() -> None:
    assert parse_jsonld('<!-- {"@type": "NewsArticle", "headline": "x",} -->') == \
        {"@type": "NewsArticle", "headline": "x"}
    assert parse_jsonld("not json") is None


def test_clean_body_drops_headline_byline_and_promos() -> None:
    raw = "\n".join([
        "The headline of the story", "By Jane Doe", "March 27, 2025",
        "First paragraph of the article with enough words to be prose.",
        "Read more", "Another story teaser", "Yet another teaser",
        "Second paragraph of the article, also proper prose with a period.",
        "Sign up for our newsletter",
    ])
    body = clean_body(raw, ["The headline of the story"], ["Jane Doe"])
    assert body.split("\n") == [
        "First paragraph of the article with enough words to be prose.",
        "Second paragraph of the article, also proper prose with a period."]


def test_nav_dump_detection() -> None:
    assert looks_like_nav_dump("\n".join(["Home", "News", "Sport"] * 10))
    assert not looks_like_nav_dump("A long paragraph of prose. " * 20)


def _signals(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "og_type": "article", "jsonld_types": ["NewsArticle"], "jsonld_article": True,
        "jsonld_listing": [], "text_length": 2500, "cjk_share": 0.0, "paragraphs": 8,
        "link_density": 0.2, "has_published_date": True, "url_path": "/2024/05/story",
        "url_depth": 3, "homepage_path": False, "listing_path": False, "slug_path": True,
        "static_path": False, "date_weak": False, "meta_published": False,
        "teaser_paragraphs": None}
    base.update(overrides)
    return base


@pytest.mark.parametrize("overrides, verdict, reason", [
    ({}, True, "article: jsonld NewsArticle"),
    ({"homepage_path": True, "url_path": "/"}, False, "not_article: homepage path"),
    ({"text_length": 120}, False, "not_article: text_length 120 < 400"),
    ({"text_length": 200, "cjk_share": 0.9}, True, "article"),
    ({"jsonld_article": False, "jsonld_types": ["CollectionPage"],
      "jsonld_listing": ["CollectionPage"], "og_type": None}, False, "not_article: jsonld"),
    ({"jsonld_article": False, "jsonld_types": [], "og_type": "website",
      "has_published_date": False}, False, "not_article: og:type=website"),
    ({"jsonld_article": False, "jsonld_types": [], "og_type": None, "link_density": 0.62,
      "paragraphs": 2, "has_published_date": False}, False, "not_article: link_density 0.62"),
    ({"listing_path": True, "url_path": "/tag/x", "jsonld_article": False, "og_type": None,
      "jsonld_types": []}, False, "not_article: listing path"),
    ({"jsonld_article": False, "jsonld_types": [], "og_type": None}, True, "article: dated"),
    # a guessed date needs an article-like URL to carry short prose
    ({"jsonld_article": False, "jsonld_types": [], "og_type": None, "date_weak": True,
      "slug_path": False, "text_length": 450, "paragraphs": 3}, False,
     "not_article: text_length 450, 3 paragraphs, guessed date only"),
    ({"jsonld_article": False, "jsonld_types": [], "og_type": None, "date_weak": True,
      "text_length": 600, "paragraphs": 1}, True, "article: dated prose"),
    ({"jsonld_article": False, "jsonld_types": [], "og_type": None, "static_path": True,
      "url_path": "/about"}, False, "not_article: section or static path /about"),
    ({"static_path": True, "url_path": "/interview"}, True, "article: jsonld"),
    ({"jsonld_article": False, "jsonld_types": [], "og_type": None, "static_path": True,
      "meta_published": True}, True, "article: dated"),
    ({"jsonld_article": False, "jsonld_types": [], "og_type": None, "teaser_paragraphs": 4,
      "paragraphs": 5}, False, "not_article: 4 teaser paragraphs"),
    ({"jsonld_article": False, "jsonld_types": [], "og_type": None, "teaser_paragraphs": 3,
      "paragraphs": 9}, True, "article: dated"),
])
def test_judge(overrides: dict[str, object], verdict: bool, reason: str) -> None:
    is_article, why = judge(_signals(**overrides))
    assert is_article is verdict
    assert why.startswith(reason)


@pytest.mark.parametrize("url, static, slug", [
    ("https://x.example/about", True, False),
    ("https://x.example/business/", True, False),
    ("https://x.example/impressum", True, False),
    ("https://x.example/about-us", False, False),
    ("https://x.example/article.php?id=7", False, False),
    ("https://x.example/de/a-65464", False, True),
    ("https://x.example/news/mill-reopens-after-fire", False, True),
])
def test_url_shape(url: str, static: bool, slug: bool) -> None:
    signals = url_signals(url)
    assert (signals["static_path"], signals["slug_path"]) == (static, slug)


@pytest.mark.parametrize("title, others, expected", [
    # two sources, two different kickers, one headline
    ("Angriff auf Israel: «Die Zurückhaltung hat viel mit den USA zu tun»",
     ["Eskalation im Nahen Osten - «Die Zurückhaltung hat viel mit den USA zu tun»"],
     "«Die Zurückhaltung hat viel mit den USA zu tun»"),
    # the same clause written two ways is part of the headline
    ("Johannesburg has failed its traders: there is a solution, here is what to do",
     ["Joburg has failed its traders: there is a solution, here is what to do"],
     "Johannesburg has failed its traders: there is a solution, here is what to do"),
    # a source that merely adds a kicker is not evidence
    ("Beleidigen und beschuldigen: Skisprung-Zoff ums Material bei der Tournee",
     ["Vierschanzentournee | Beleidigen und beschuldigen: Skisprung-Zoff ums Material bei "
      "der Tournee"],
     "Beleidigen und beschuldigen: Skisprung-Zoff ums Material bei der Tournee"),
])
def test_shared_headline(title: str, others: list[str], expected: str) -> None:
    assert shared_headline(title, others) == expected


def _tree(body: str) -> HtmlElement:
    return lxml.html.fromstring(f"<html><body>{body}</body></html>")


def test_labelled_byline_and_editor_credit() -> None:
    tree = _tree("<ul><li><strong>Datum</strong> 28.04.2023</li>"
                 "<li><strong>Autorin/Autor</strong> Roman Goncharenko</li></ul>")
    assert labelled_byline(tree) == ["Roman Goncharenko"]
    tree = _tree("<dl><dt>Author</dt><dd>Jane Doe</dd></dl>")
    assert labelled_byline(tree) == ["Jane Doe"]
    assert labelled_byline(_tree("<div class='edit'>(责编：牛镛、岳弘彬)</div>")) == ["牛镛", "岳弘彬"]
    assert labelled_byline(_tree("<p><strong>Wichtig</strong> Jane Doe</p>")) == []


def test_author_links_skip_menus_and_keep_co_authors() -> None:
    tree = _tree("<nav><a href='/autoren/'>Autoren</a></nav><ul><li><a href='/autoren'>Alle "
                 "Autoren</a></li></ul><article><header><p>von <a href='/autoren/name/max-k'>"
                 "Dr. Max Kolter</a> und <a href='/autoren/name/eva-m'>Eva Maier</a></p>"
                 "</header></article>")
    assert author_links(tree) == ["Dr. Max Kolter", "Eva Maier"]


def test_publisher_by_initials_either_way() -> None:
    assert is_publisher("LTO", ["Legal Tribune Online"])
    assert is_publisher("Deutsche Welle", ["DW.COM", "dw"])
    assert not is_publisher("Roman Goncharenko", ["DW.COM", "dw"])


def test_twitter_label_credit() -> None:
    pm = PageMeta(meta={"twitter:label1": ["Written by"], "twitter:data1": ["Dieter K"],
                        "twitter:label2": ["Est. reading time"], "twitter:data2": ["3 min"]})
    assert twitter_credit(pm) == ["Dieter K"]


def test_valid_utf8_beats_a_single_byte_declaration() -> None:
    data = '<meta charset="iso-8859-1"><p>für Grüße</p>'.encode("utf-8")
    assert choose_charset(data) == "utf-8"
    latin = '<meta charset="iso-8859-1"><p>für Grüße</p>'.encode("cp1252")
    assert choose_charset(latin) == "cp1252"


def test_server_default_latin1_header_gives_way_to_a_specific_meta_charset():
    from crawler.extraction.decode import decode_html

    html = '<html><head><meta charset="windows-1250"></head><body><p>Praha je město.</p></body></html>'
    text, charset = decode_html(html.encode("cp1250"), {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert charset == "cp1250" and "město" in text
    # an explicit, specific header charset is still honoured
    text, charset = decode_html("<p>Привет</p>".encode("koi8_r"), {"Content-Type": "text/html; charset=koi8-r"})
    assert "Привет" in text


# -- issue 12: rules that hold on sites the extractor has never seen -----------------


@pytest.mark.parametrize("raw, expected", [
    ("Kyle Wiggers 7 hours", ["Kyle Wiggers"]),
    ("Jane Doe · 2 days ago", ["Jane Doe"]),
    ("Max Muster vor 3 Stunden", ["Max Muster"]),
    ("By Jane Doe Updated March 27, 2025", ["Jane Doe"]),
    ("Anna Lee 18.03.2024, 10:15 Uhr", ["Anna Lee"]),
    ("홍길동 기자", ["홍길동"]),
    ("홍길동기자", ["홍길동"]),
    ("记者 张三", ["张三"]),
    ("Senior Reporter Jane Doe", ["Jane Doe"]),
    ("Jane Doe, reporter", ["Jane Doe"]),
    ("Special Correspondent", []),
    # names that only look like a time or a role are left alone
    ("Sarah Connor", ["Sarah Connor"]),
    ("Ben Day", ["Ben Day"]),
    ("MND Staff", ["MND Staff"]),
])
def test_split_names_drops_times_dates_and_role_words(raw: str, expected: list[str]) -> None:
    assert split_names(raw) == expected


@pytest.mark.parametrize("name, site, org", [
    ("Lesotho Times", ["lestimes"], True),
    ("VnExpress", ["e", "vnexpress"], True),
    ("STERN.de", ["stern"], True),
    ("Golem.de", [], True),
    ("The Kyiv Independent", ["kyivindependent"], True),
    ("AFP", ["afp-news"], False),  # agencies are authors
    ("Deutsche Presse-Agentur", [], False),
    ("Tim Zadorozhnyy", ["kyivindependent", "The Kyiv Independent"], False),
    ("Lene Retzius", ["nrk"], False),
])
def test_is_organisation(name: str, site: list[str], org: bool) -> None:
    assert is_organisation(name, site) is org


def test_organisations_next_to_people_are_not_authors() -> None:
    assert clean_authors(["Kyle Wiggers", "TechNews Daily"], ["technews"]) == ["Kyle Wiggers"]
    assert clean_authors(["Jane Doe", "STERN.de"]) == ["Jane Doe"]
    assert clean_authors(["Jane Doe", "dpa"]) == ["Jane Doe", "dpa"]
    # alone, the organisation is who the page credits
    assert clean_authors(["Lesotho Times"], ["lestimes"]) == ["Lesotho Times"]


@pytest.mark.parametrize("url, names", [
    ("https://www.bbc.co.uk/news/x", ["bbc"]),
    ("https://edition.cnn.com/x", ["edition", "cnn"]),
    ("https://www.ekathimerini.gr/x", ["ekathimerini"]),
    ("https://www.publico.pt/x", ["publico"]),
    ("https://yle.fi/a/1", ["yle"]),
    ("https://www.irishtimes.ie/x", ["irishtimes"]),
    ("https://www.abc.net.au/news/x", ["abc"]),
    ("https://news.example/x", ["news"]),  # a suffix the list does not know
    ("http://127.0.0.1:8000/x", []),
])
def test_host_names_from_the_public_suffix_list(url: str, names: list[str]) -> None:
    assert host_names(url) == names


@pytest.mark.parametrize("text, domain", [
    ("Golem.de", True), ("ekathimerini.gr", True), ("abc.net.au", True),
    ("Node.js", False), ("Covid-19", False), ("Die Zeit", False),
])
def test_is_domain_name(text: str, domain: bool) -> None:
    assert is_domain_name(text) is domain


def test_strip_site_knows_fullwidth_and_hangul_bars() -> None:
    assert strip_site("지하철 개통ㅣ가람일보", ["가람일보"]) == "지하철 개통"
    assert strip_site("新駅が開業｜みなと新聞", ["みなと新聞"]) == "新駅が開業"


def test_site_label_after_the_visible_headline_goes() -> None:
    pm = PageMeta(meta={"og:title": ["지하철 9호선 연장 개통-사회ㅣ가람일보"],
                        "og:site_name": ["가람일보"]},
                  h1=["지하철 9호선 연장 개통"], title_tag="지하철 9호선 연장 개통-사회ㅣ가람일보")
    assert pick_title(pm, "https://garam.example/a") == "지하철 9호선 연장 개통"
    # an <h1> that is another headline (a live blog's, a teaser's) does not replace it
    pm = PageMeta(meta={"og:title": ["Storm hits the coast: what we know"]},
                  h1=["Live: all the latest updates"])
    assert pick_title(pm, "https://garam.example/a") == "Storm hits the coast: what we know"


def test_headline_text_spaces_a_kicker_run_into_the_headline() -> None:
    h1 = lxml.html.fromstring("<h1><span>Nationale Demo</span>Der 9. Juli naht</h1>")
    assert headline_text(h1) == "Nationale Demo Der 9. Juli naht"
    h1 = lxml.html.fromstring("<h1>Covid-<i>19</i>: the <em>Guardian</em>'s view</h1>")
    assert headline_text(h1) == "Covid-19: the Guardian's view"


@pytest.mark.parametrize("line", [
    "Read also: How North Korean troops ended up in Kursk",
    "READ MORE: Ferry timetable changes for winter",
    "Lesen Sie auch: Die Bahn erhöht die Preise",
    "Lire aussi : Le budget adopté",
    "Читайте також: Зеленський зустрівся з лідерами",
    "Related: The harbour wall, explained",
    "See also — Storm damage in pictures",
    "SEE MORE: Harbour protests enter a third week",
    "Related post: Pickled beetroot for the winter",
])
def test_inline_related_link_lines_are_not_article_text(line: str) -> None:
    body = clean_body("\n".join(["First paragraph of the story, long enough to be prose.", line,
                                 "Second paragraph of the story, also proper prose."]))
    assert body.split("\n") == ["First paragraph of the story, long enough to be prose.",
                                "Second paragraph of the story, also proper prose."]


def test_prose_that_starts_like_a_label_stays() -> None:
    line = "Read more about the harbour in our guide, which explains how the wall was built."
    assert clean_body(line) == line
    assert clean_body("|---|---|\n| a | b |") == "| a | b |"


def test_drop_related_links_needs_a_mostly_linked_paragraph() -> None:
    tree = _tree("<p>One.</p><p><strong>Read also:</strong> <a href='/x'>How the war began"
                 "</a></p><p>Read more about the <a href='/y'>war</a> in a long explanation "
                 "of everything that happened in the months before.</p>")
    assert drop_related_links(tree) == 1
    assert [p.text_content()[:9] for p in tree.iter("p")] == ["One.", "Read more"]


def test_drop_teaser_cards_removes_links_that_hold_a_heading() -> None:
    tree = _tree("<article><h2>A subheading of the story</h2><p>The story goes on.</p>"
                 "<a href='/other-story'><img src='x.jpg'><span>Kicker</span>"
                 "<h3>Another story's headline</h3><p>Its summary.</p></a>"
                 "<h3><a href='/topic'>A linked subheading</a></h3>"
                 "<a href='#part-2'><h4>Part two</h4></a><p>More of the story.</p></article>")
    assert drop_teaser_cards(tree) == 1
    text = tree.text_content()
    assert "Another story" not in text and "Its summary" not in text and "Kicker" not in text
    for kept in ("A subheading", "The story goes on.", "A linked subheading", "Part two",
                 "More of the story."):
        assert kept in text


def test_production_credits_are_not_article_text() -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "Sources say the vote was close, and the mayor has promised a review."]
    raw = "\n".join(story + ["With files from The Associated Press and Jane Roe",
                             "Redaktion: Jane Roe, Max Muster", "Faktencheck: Max Muster",
                             "Quellen:", "- Council minutes, 3 March", "- Interviews",
                             "Reporting by Jane Roe; Editing by Max Muster"])
    assert clean_body(raw).split("\n") == story


def test_headline_repeated_further_down_is_not_article_text() -> None:
    first = ("The council met on Tuesday and voted for the new harbour wall. " * 3).strip()
    raw = "\n".join([first, "Harbour wall: the council says yes",
                     "The vote was close, and the mayor has promised a review."])
    assert clean_body(raw, ["Harbour Wall — the Council Says Yes"]).split("\n") == [
        first, "The vote was close, and the mayor has promised a review."]
    # a line that only starts like the headline stays
    line = "Harbour wall: the council says yes, and the mayor has promised a review."
    assert line in clean_body("\n".join([first, line]), ["Harbour wall: the council says yes"])


@pytest.mark.parametrize("line", ["Von Nina Muster", "By Jane Doe and Max Muster", "Par Les Échos",
                                  "Jane Roe"])
def test_byline_further_down_is_not_article_text(line: str) -> None:
    first = ("The council met on Tuesday and voted for the new harbour wall. " * 3).strip()
    last = "The vote was close, and the mayor has promised a review."
    body = clean_body("\n".join([first, line, last]), authors=["Jane Roe"])
    assert body.split("\n") == [first, last]


@pytest.mark.parametrize("line", ["Von Montag an gilt der neue Fahrplan.", "By the numbers",
                                  "Von Berlin nach Hamburg", "By 2030"])
def test_lines_that_start_like_a_byline_stay(line: str) -> None:
    first = ("The council met on Tuesday and voted for the new harbour wall. " * 3).strip()
    assert line in clean_body("\n".join([first, line]), authors=["Jane Roe"]).split("\n")


def test_subheadings_between_paragraphs_of_the_text_come_back() -> None:
    one = "The council met on Tuesday and voted for the new harbour wall, after a long debate."
    two = "The vote was close, and the mayor has promised a review of the costs next spring."
    three = "Work on the wall starts in May and should take two years, the builders say today."
    tree = _tree(f"<div class='longText'><p>{one}</p><h2>A close vote </h2><p>{two}</p>"
                 f"<h3>What comes next</h3><p>{three}</p><h2>Unrelated box</h2>"
                 "<p>A paragraph that the reading did not take, long enough to count.</p></div>")
    plain = with_subheadings(Reading("\n".join([one, two, three]), "trafilatura fast"), tree)
    assert plain.text.split("\n") == [one, "A close vote", two, "What comes next", three]
    blocks = [Block("p", [one]), Block("p", [two]), Block("p", [three])]
    read = with_subheadings(Reading("\n".join([one, two, three]), "x", blocks), tree)
    assert [(b.kind, b.lines) for b in read.blocks or []] == [
        ("p", [one]), ("h", ["A close vote"]), ("p", [two]), ("h", ["What comes next"]),
        ("p", [three])]
    # already there: nothing added
    text = "\n".join([one, "A close vote", two, "What comes next", three])
    assert with_subheadings(Reading(text, "x"), tree).text == text


@pytest.mark.parametrize("bio", [
    "Jane Roe is our harbour correspondent and has covered the coast since 2010.",
    "Korrespondentin Jane Roe ist bei der Zeitung für die Küste zuständig.",
])
def test_author_bio_under_the_article_is_not_article_text(bio: str) -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "The mayor, who told Jane Roe is not the only one who doubts it, promised a review."]
    assert clean_body("\n".join(story + [bio]), authors=["Jane Roe"]).split("\n") == story
    # the same words by someone else, or not at the end, stay
    assert bio in clean_body("\n".join(story + [bio]), authors=["Max Muster"])
    assert bio in clean_body("\n".join([bio] + story * 2), authors=["Jane Roe"])


@pytest.mark.parametrize("line", [
    "Start your day with the Harbour Brief, the coast's favourite morning read. Sign up for "
    "the free daily newsletter and get it delivered to your inbox before breakfast, every day.",
    "Melden Sie sich jetzt für unseren Newsletter an und abonnieren Sie die Küstennachrichten.",
    "If you enjoyed this article, we have a proposition for you: join our members' club, which "
    "funds our reporting and gives you every story without ads or limits.",
])
def test_newsletter_and_membership_calls_are_not_article_text(line: str) -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "The company's newsletter reaches 10,000 subscribers, its spokesman said."]
    assert clean_body("\n".join(story[:1] + [line] + story[1:])).split("\n") == story


@pytest.mark.parametrize("line", [
    "Tags: harbour, council, budget", "Filed under: Local news",
    "05/10/2024 - Posted by: Jane Roe - Category: Coast", "Schlagwörter: Hafen, Rat"])
def test_filing_data_lines_are_not_article_text(line: str) -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "Categories matter to the council: the wall is filed under coastal defence."]
    assert clean_body("\n".join([line] + story + [line])).split("\n") == story


@pytest.mark.parametrize("line", [
    "Your opinion matters to us. Send us your feedback on this article: letters@example.org",
    "Reach the reporters on Twitter at https://twitter.com/janeroe and https://x.com/maxm",
    "Sie haben Hinweise zum Thema? Melden Sie sich vertraulich via Signal bei unserem Reporter.",
    "Follow Jane Roe on Bluesky for more from the coast.",
])
def test_calls_to_contact_the_newsroom_are_not_article_text(line: str) -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "Residents can send us their questions, the mayor said, and the council will answer."]
    assert clean_body("\n".join(story + [line])).split("\n") == story


def test_article_sentences_that_mention_a_channel_stay() -> None:
    story = ["Officials urged residents to follow local guidance on Facebook and stay home.",
             "He passed tips to police by e-mail before the raid, the court heard.",
             "Tips to stay safe: keep away from the water, the coastguard wrote on X."]
    assert clean_body("\n".join(story)).split("\n") == story


@pytest.mark.parametrize("line", [
    "Passer la publicité", "Skip advertisement", "Story continues below advertisement",
    "ADVERTISEMENT - SCROLL TO CONTINUE", "Weiterlesen nach der Anzeige",
    "La suite après cette publicité"])
def test_ad_break_labels_are_not_article_text(line: str) -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "The story continues below the harbour, where the old wall still stands."]
    assert clean_body("\n".join(story[:1] + [line] + story[1:])).split("\n") == story


def test_standfirst_marked_by_its_class_when_the_description_differs() -> None:
    lede = "The harbour wall will be built after all: a close vote, and a promise of a review."
    tree = _tree("<nav><p class='summary'>A menu summary that is long enough to count here.</p>"
                 "</nav><h1>Harbour wall: the council says yes</h1>"
                 "<aside><p class='lead'>A teaser in an aside, long enough to count as one.</p>"
                 "</aside>"
                 f"<div class='article-header__lead'>{lede}</div>"
                 "<p>The council met on Tuesday and voted for the new harbour wall.</p>")
    assert standfirst(tree, "A description that the page does not show anywhere at all.") == lede
    assert standfirst(_tree("<h1>Headline</h1><p>No lead here, only the article's text.</p>"),
                      "A description that the page does not show anywhere at all.") == ""


@pytest.mark.parametrize("line", [
    "Off we go: from Monday the ferry costs 49 euros a month. Bild: Jane Roe",
    "Workers on the harbour wall in March (Photo: Max Muster/AFP)",
    "Die Baustelle am Hafen im März. Foto: dpa", "The harbour at dawn. © Jane Roe"])
def test_caption_with_its_credit_is_not_article_text(line: str) -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "The photo shows the harbour: the wall will stand where the old pier was."]
    assert clean_body("\n".join(story[:1] + [line] + story[1:])).split("\n") == story


def test_subheadings_come_back_next_to_soft_hyphenated_paragraphs() -> None:
    one = "The council met on Tuesday and voted for the new harbour wall, after a long debate."
    two = "The vote was close, and the mayor has promised a review of the costs next spring."
    hyphened = two.replace("promised", "prom\u00adised")
    tree = _tree(f"<div><p>{one}</p><h2>A close\u00ad vote</h2><p>{hyphened}</p></div>")
    read = with_subheadings(Reading("\n".join([one, two]), "trafilatura fast"), tree)
    assert read.text.split("\n") == [one, "A close vote", two]


def test_subheadings_come_back_across_empty_ad_slots() -> None:
    one = "The council met on Tuesday and voted for the new harbour wall, after a long debate."
    two = "The vote was close, and the mayor has promised a review of the costs next spring."
    tree = _tree(f"<div><div class='para'>{one}</div><div class='ad-slot'></div>"
                 f"<h2>A close vote</h2><div class='ad-slot'> </div><p>{two}</p></div>")
    read = with_subheadings(Reading("\n".join([one, two]), "trafilatura fast"), tree)
    assert read.text.split("\n") == [one, "A close vote", two]


@pytest.mark.parametrize("line", [
    "Harbour wall: the council says yes. In: Coast Courier, 04.05.2024, "
    "https://example.org/a/123 (abgerufen am: 05.05.2024)",
    "Roe, J. (2024). Harbour wall. Coast Courier. Retrieved from https://example.org/a/123"])
def test_suggested_citation_of_the_page_is_not_article_text(line: str) -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "The plans were retrieved from the archive, the mayor said, and shown to all."]
    assert clean_body("\n".join(story + [line])).split("\n") == story


def test_digest_box_above_the_article_is_not_article_text() -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "In short, nobody expected the vote to be this close, the mayor said.",
             "- The review will report in spring.", "- The wall will cost 12 million."]
    raw = "\n".join(["Key points", "- The council voted for the harbour wall.",
                     "- The mayor promised a review."] + story)
    assert clean_body(raw).split("\n") == story
    # the heading alone, without points under it, stays
    assert clean_body("\n".join(["In short", story[0]])).split("\n") == ["In short", story[0]]


@pytest.mark.parametrize("line", ["Článek", "ARTIKEL", "Article"])
def test_page_kind_label_is_not_article_text(line: str) -> None:
    story = ["The council met on Tuesday and voted for the new harbour wall.",
             "Article 5 of the harbour law says the wall must be finished by 2027."]
    assert clean_body("\n".join([line] + story)).split("\n") == story


def _announced(**kw: object) -> Announced:
    return Announced(**kw)  # type: ignore[arg-type]


def test_announced_length_decides_when_the_fast_text_is_short() -> None:
    assert _announced(chars=6000, source="jsonld articleBody").short("x" * 975)
    assert not _announced(chars=6000, source="jsonld articleBody").short("x" * 5000)
    assert _announced(words=800, source="jsonld wordCount").short("word " * 300)
    assert not _announced().short("x")
    assert _announced(chars=6000).overshot("x" * 9000)


def test_markup_text_reads_the_article_container_without_asides() -> None:
    tree = _tree("<article><div class='c'><p>First paragraph.</p></div>"
                 "<aside>Advertisement</aside><div class='ad-slot'><p>Buy now</p></div>"
                 "<div class='c'><h2>Subhead</h2><p>Second paragraph.</p>"
                 "<figure><figcaption>Caption</figcaption></figure></div>"
                 "<div class='related-links'><ul><li>Other story</li></ul></div></article>")
    container = tree.find(".//article")
    assert markup_text(container).split("\n") == ["First paragraph.", "Subhead",
                                                  "Second paragraph."]


LEDE = ("Nach zwei Jahren Bauzeit nimmt die neue Elektrofähre im März den Betrieb auf. "
        "Pendler sparen bis zu zwanzig Minuten.")


@pytest.mark.parametrize("html, expected", [
    # below the headline, outside the article body
    (f"<h1>Neue Fähre</h1><div class='intro'><p>{LEDE}</p></div><div><p>Body.</p></div>", LEDE),
    # a dateline first, in its own element
    (f"<h1>Neue Fähre</h1><p><b>Nordstrand.</b> {LEDE}</p>", f"Nordstrand. {LEDE}"),
    # written as two paragraphs in one block (a video player without text beside them)
    ("<h1>Neue Fähre</h1><div class='lead'><p>Nach zwei Jahren Bauzeit nimmt die neue "
     "Elektrofähre im März den Betrieb auf.</p><p>Pendler sparen bis zu zwanzig Minuten.</p>"
     "<figure><div class='player'></div></figure></div>", LEDE.replace("auf. ", "auf.\n")),
    # the page completes a description cut short
    (f"<h1>Neue Fähre</h1><p>{LEDE} Die alte Fähre wird verkauft.</p>",
     f"{LEDE} Die alte Fähre wird verkauft."),
    # a teaser above the headline, a teaser link, a caption: not the standfirst
    (f"<p>{LEDE}</p><h1>Neue Fähre</h1>", ""),
    (f"<h1>Neue Fähre</h1><ul><li><a href='/x'>{LEDE}</a></li></ul>", ""),
    (f"<h1>Neue Fähre</h1><figure><figcaption>{LEDE}</figcaption></figure>", ""),
    # a block saying much more than the description is the article, not its standfirst
    (f"<h1>Neue Fähre</h1><div><p>{LEDE}</p>{'<p>More text of the article here.</p>' * 9}"
     "</div>", LEDE),
])
def test_standfirst_is_the_visible_description_below_the_headline(html: str,
                                                                  expected: str) -> None:
    assert standfirst(_tree(html), LEDE) == expected


def test_standfirst_goes_on_top_of_a_text_that_lacks_it() -> None:
    assert with_standfirst("Body.", LEDE) == f"{LEDE}\nBody."
    assert with_standfirst(f"{LEDE}\nBody.", LEDE) == f"{LEDE}\nBody."
    assert with_standfirst("Body.", "") == "Body."
    assert standfirst(_tree("<h1>X</h1><p>Short one.</p>"), "Short one.") == ""


def test_a_short_fast_text_on_a_page_announcing_nothing_gets_the_full_cascade(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.extraction.body as body

    modes: list[str] = []

    def fake(tree: HtmlElement, url: str, mode: str = "fast") -> Reading:
        modes.append(mode)
        return Reading({"fast": "A few lines. " * 30, "full": "The whole blog post. " * 100}
                       .get(mode, ""), f"trafilatura {mode}")

    monkeypatch.setattr(body, "run_trafilatura", fake)
    reading = body.extract_body(_tree("<div><p>page</p></div>"), "https://x.test/p")
    text, source = reading.text, reading.source
    assert modes == ["fast", "full"] and text.startswith("The whole blog post.")
    assert source == "trafilatura full (short, nothing announced)"
    # a long fast text, or a page that announces its article, stays on the fast path
    modes.clear()
    monkeypatch.setattr(body, "run_trafilatura",
                        lambda tree, url, mode="fast": modes.append(mode) or
                        Reading("Long text. " * 200, mode))
    body.extract_body(_tree("<div><p>page</p></div>"), "https://x.test/p")
    assert modes == ["fast"]


@pytest.mark.parametrize("raw, expected", [
    ("Text und Interview: Harald Weber", ["Harald Weber"]),
    ("Interview: Jens Berg Foto: Michael Hund", ["Jens Berg"]),
    ("Text: Jane Doe, Fotos: John Smith", ["Jane Doe"]),
    ("Текст: Венера Петрова", ["Венера Петрова"]),
    ("Foto: dpa", []),
    ("erstellt von Dominique Roth", ["Dominique Roth"]),
    ("Zeige alle Beiträge von Cem Aydin", ["Cem Aydin"]),
    ("Revised Edition Edited by Adrian Parr", ["Adrian Parr"]),
    ("Artikel von: Haus Redaktion", ["Haus Redaktion"]),
    ("Autor Johann Kiefer", ["Johann Kiefer"]),
    ("Von Tomas Lange Fr, 18. Oktober 2019", ["Tomas Lange"]),
    ("Von Christian Roth, 07 Dezember, 2022", ["Christian Roth"]),
    ("Posted", []), ("Publiziert am", []), ("Name", []), ("Unknown", []),
    ("Harm Otten sagt", []), ("Afficher mon profil complet", []),
    # a name particle is not an action word's "von"
    ("Von Ursula von der Leyen", ["Ursula von der Leyen"]),
    ("Jane Doe und Max Muster", ["Jane Doe", "Max Muster"]),
])
def test_split_names_drops_labels_credits_and_controls(raw: str, expected: list[str]) -> None:
    assert split_names(raw) == expected


def test_dom_byline_skips_comments_and_sidebars_and_reads_the_name_element() -> None:
    from crawler.extraction.authors import dom_byline

    page = ("<aside class='widget'><div class='author'>Sidebar Person</div></aside>"
            "<div id='sidebar-left'><div class='author-box'>Other Person Alle Artikel</div></div>"
            "<div class='byline'><abbr>Dezember 10, 2019</abbr> · von <span class='author vcard'>"
            "<span class='screen-reader-text'>Autor</span><a class='url fn n' href='/author/x'>"
            "Lena Berger</a></span> · in <a href='/c'>Allgemein</a></div>"
            "<ol class='comment-list'><li><div class='comment-author vcard'><b class='fn'>"
            "Harm Otten</b> <span class='says'>sagt:</span></div></li></ol>"
            "<form id='commentform'><p class='comment-form-author'><label>Name *</label></p></form>")
    assert dom_byline(_tree(page)) == ["Lena Berger"]
    # only the comments name anyone: no byline
    assert dom_byline(_tree(page.split("<div class='byline'>")[0] + "<ol class='comment-list'>"
                            "<li><div class='comment-author'>Harm Otten</div></li></ol>")) == []


def test_a_label_counts_where_it_opens_its_line() -> None:
    assert labelled_byline(_tree("<span class='x'>| <b>Autor:</b> <a href='/a'>Jana Lind</a>"
                                 "</span>")) == ["Jana Lind"]
    assert labelled_byline(_tree("<p>You put the <strong>author</strong>, the release date and "
                                 "the version in there.</p>")) == []


def test_the_fuller_reading_that_fits_the_announcement_wins(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast text short of the article markup: of trafilatura's full cascade and the
    markup's own text, the one reading more of the article (not beyond it) is kept."""
    import crawler.extraction.body as body

    paragraphs = [f"Paragraph {i} of the article, long enough to count as prose text." * 2
                  for i in range(12)]
    tree = _tree("<article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>")
    readings = {"fast": paragraphs[0], "full": "\n".join(paragraphs[:8])}
    monkeypatch.setattr(body, "run_trafilatura",
                        lambda tree, url, mode="fast": Reading(readings.get(mode, ""), mode))
    reading = body.extract_body(tree, "https://x.test/a")
    assert reading.text == "\n".join(paragraphs) and reading.source.startswith("article markup")
    # the markup's blocks are its paragraphs, each read from its own element
    assert reading.blocks is not None and [b.lines[0] for b in reading.blocks] == paragraphs
    # a full reading that overshoots the announcement (it took in the page) is not kept
    readings["full"] = "\n".join(paragraphs * 3)
    assert body.extract_body(tree, "https://x.test/a").source.startswith("article markup")


@pytest.mark.parametrize("line", [
    "Log in or create an account to continue",
    "Enjoying our latest content?",
    "Subscribe to continue reading",
    "Like this story? Share it with a friend!",
    "GET THE HARBOUR NEWS APP ON THE GO BY CLICKING HERE",
    "For the full timetable, click here.",
])
def test_prompts_and_calls_to_action_are_not_article_text(line: str) -> None:
    body = f"The ferry leaves at six every morning, the harbour master said.\n{line}\nIt returns at noon."
    assert line not in clean_body(body)
    assert "It returns at noon." in clean_body(body)


def test_prose_mentioning_a_click_stays() -> None:
    line = ("Readers who click here and there on the council's site will not find the figures, "
            "which the council published only on paper last week.")
    assert line in clean_body(f"Intro line of the article text here.\n{line}")
