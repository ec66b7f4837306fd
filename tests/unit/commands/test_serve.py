"""crawler.commands.serve: the datasette metadata newscrawl writes."""

from __future__ import annotations

from crawler.commands.serve import build_metadata, load_metadata


def test_article_versions_query_only_with_its_table() -> None:
    base = load_metadata()
    without = build_metadata("x", {"articles", "urls"}, base)
    with_table = build_metadata("x", {"articles", "urls", "article_versions"}, base)
    assert "article_versions" not in without["databases"]["x"]["queries"]
    assert "requires" not in with_table["databases"]["x"]["queries"]["article_versions"]
    assert set(without["databases"]["x"]["tables"]) == {"articles", "urls"}
    assert "requires" in base["databases"]["db"]["queries"]["article_versions"]  # not mutated
