"""A dated listing made almost entirely of links is not an article."""

from crawler.extraction import extract_page


def listing(n: int = 40) -> str:
    items = "\n".join(
        f'<p><a href="/news/2026/11/story-{i}-about-the-harbour-and-the-ferry-{i}">'
        f"Story {i}: the harbour authority and the ferry operators agree a new timetable for winter</a></p>"
        for i in range(n)
    )
    return f"""<html><head><title>Latest news</title><meta property="og:type" content="website">
<meta name="date" content="2026-11-20T10:00:00+01:00"></head>
<body><h1>Latest</h1><time datetime="2026-11-20T10:00:00+01:00">20 November 2026</time>
{items}</body></html>"""


def test_dated_link_list_is_not_an_article():
    r = extract_page(listing(), "https://example.org/latest-news-2026", strict=True).as_dict()
    assert r["is_article"] is False
    assert r["reason"].startswith("not_article")
    assert r["signals"]["link_density"] > 0.9
