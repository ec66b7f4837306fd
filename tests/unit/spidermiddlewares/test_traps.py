"""crawler.spidermiddlewares.traps: session IDs stripped, URL shapes that fold traps
(calendars, searches) and keep article slugs apart."""

from __future__ import annotations

from crawler.spidermiddlewares.traps import strip_session_ids, trap_reason, url_shape


def test_session_ids_are_stripped_and_story_ids_kept() -> None:
    assert strip_session_ids("http://a/x.html;jsessionid=ABC123DEF?id=4") == "http://a/x.html?id=4"
    assert strip_session_ids("http://a/x?PHPSESSID=zz&page=2") == "http://a/x?page=2"
    assert strip_session_ids("http://a/x?sid=a1b2c3d4e5f6a7b8c9d0") == "http://a/x"
    assert strip_session_ids("http://a/story?sid=4521") == "http://a/story?sid=4521"


def test_url_shapes_fold_traps_and_keep_article_slugs() -> None:
    assert url_shape("https://a/calendar/2025/03/") == url_shape("https://a/calendar/1999/12/")
    assert url_shape("https://a/search?q=x&sort=new") == url_shape("https://a/search?sort=old&q=y")
    assert url_shape("https://a/news/2025/03/council-votes") != url_shape("https://a/news/2025/03/mayor-resigns")
    assert trap_reason("http://a/" + "b/" * 20, 2000, 15, 3) == ("path_too_deep", "trap: more than 15 path segments")
    assert trap_reason("http://a/x/x/x/x/", 2000, 15, 3) == ("repeating_path", "trap: a path segment repeated 4 times")
    assert trap_reason("http://a/" + "b" * 2001, 2000, 15, 3) == ("url_too_long", "trap: URL longer than 2000 characters")
    assert trap_reason("http://a/news/2025/03/council-votes", 2000, 15, 3) is None
