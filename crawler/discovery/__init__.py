"""Discovery: pure, safe parsers for the documents that lead a crawl to articles
(robots.txt, sitemaps, Google News sitemaps, RSS/RDF/Atom/JSON feeds, feed links in
HTML).  No Scrapy here: the spider hands in response bodies and gets plain data back.
Every function accepts any input without raising; XML is parsed without expanding
entities or fetching anything (see ``xmlsafe``)."""

from crawler.discovery.links import feed_links, is_probably_discovery_url
from crawler.discovery.model import Entry, Parsed
from crawler.discovery.parse import (
    FEED_MAX_SIZE,
    SITEMAP_MAX_SIZE,
    parse_discovery_document,
    parse_feed,
    parse_sitemap,
)
from crawler.discovery.sitemaps import sitemaps_from_robots

__all__ = [
    "FEED_MAX_SIZE",
    "SITEMAP_MAX_SIZE",
    "Entry",
    "Parsed",
    "feed_links",
    "is_probably_discovery_url",
    "parse_discovery_document",
    "parse_feed",
    "parse_sitemap",
    "sitemaps_from_robots",
]
