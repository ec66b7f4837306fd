"""Rendering pages that need JavaScript in headless Chromium.

``shell``: is this page an application shell (pure, runs in the extraction
workers); ``browser``: the Chromium the crawl drives through Playwright, started
lazily, measured and restarted; ``render``: one page rendered, every request it
makes fetched by the caller. The crawl's stage is ``crawler.pipelines.render``.
"""
