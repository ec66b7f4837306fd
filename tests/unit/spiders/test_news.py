"""crawler.spiders.news: start URLs sorted into sites (homepages, sitemaps, feeds), with
the command line's defaults and a sites file's own settings."""

from crawler.spiders.news import build_sites


def test_start_urls_are_sorted_into_homepages_sitemaps_and_feeds():
    sites = build_sites(
        ["https://daily.test/", "https://daily.test/sitemap_index.xml", "https://daily.test/feed.rss",
         "https://wire.test/?utm_source=x"],
        None, follow_depth=2, max_pages=0,
    )
    daily, wire = sites
    assert daily.start_urls == ["https://daily.test/"]
    assert daily.sitemaps == ["https://daily.test/sitemap_index.xml"]
    assert daily.feeds == ["https://daily.test/feed.rss"]
    assert wire.start_urls == ["https://wire.test/"]


def test_command_line_defaults_apply_to_sites_file_entries_and_hosts_are_not_split(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[[site]]\nname = "ex"\nurl = "https://example.org/"\n\n'
                    '[[site]]\nname = "deep"\nurl = "https://deep.test/"\nfollow_depth = 3\nmax_pages = 9\n')
    sites = build_sites(["https://example.org/news/", "https://example.org/sitemap.xml"], str(path),
                        follow_depth=0, max_pages=5)
    ex, deep = sites
    assert len(sites) == 2  # the URLs joined the configured site of their host
    assert (ex.name, ex.follow_depth, ex.max_pages) == ("ex", 0, 5)
    assert ex.start_urls == ["https://example.org/", "https://example.org/news/"]
    assert ex.sitemaps == ["https://example.org/sitemap.xml"]
    assert (deep.follow_depth, deep.max_pages) == (3, 9)  # its own settings win


def test_articles_are_asked_for_before_deep_listing_pages():
    from crawler.spiders.news import page_priority

    start = page_priority("https://d.test/", "start", 0)
    from_sitemap = page_priority("https://d.test/news/2025/03/harbour-vote", "news-sitemap", 1)
    from_feed = page_priority("https://d.test/news/2025/03/ferry", "rss", 1)
    section = page_priority("https://d.test/world/", "link", 1)
    linked_article = page_priority("https://d.test/world/2025/03/storm-warning", "link", 2)
    tag = page_priority("https://d.test/tag/energy/", "link", 1)
    author = page_priority("https://d.test/author/maria-okafor/", "link", 1)
    next_page = page_priority("https://d.test/world/page/2/", "link", 1)
    archive = page_priority("https://d.test/2025/03/14/", "link", 2)
    assert start > from_sitemap == from_feed > section > linked_article
    assert max(tag, author, next_page, archive) < linked_article


def test_a_link_to_a_page_already_asked_for_builds_no_request():
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider, settings_dict={"NEWSCRAWL_DB": ":memory:"})
    crawler.stats.open_spider()
    spider = NewsSpider.from_crawler(crawler, url="https://d.test/")
    site = build_sites(["https://d.test/"], None, follow_depth=2, max_pages=0)[0]
    assert spider.page_request("https://d.test/news/2025/03/ferry", site, source="rss", depth=1) is not None
    page = HtmlResponse("https://d.test/world/", body=b"<html></html>")
    links = ["https://d.test/news/2025/03/ferry",  # asked for from the feed
             "https://www.d.test/news/2025/03/ferry?utm_source=x#top",  # the same page
             "https://d.test/news/2025/03/harbour", "https://d.test/news/2025/03/harbour"]
    urls = [r.url for r in spider._follow_links(links, page, site, depth=1, pagination=0)]
    assert urls == ["https://d.test/news/2025/03/harbour"]
    assert crawler.stats.get_value("newscrawl/links/already_requested") == 3
