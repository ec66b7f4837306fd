"""Running a crawl in this process: settings assembly, the Scrapy run, the summary."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.ingest.summary import format_summary
from storage import open_db
from storage.queries import failures_by_reason
from storage.session import RunCounts, RunSummary


class SettingError(ValueError):
    pass


def parse_setting_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SettingError(f"expected KEY=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out


def build_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The project's settings module, then command-line overrides."""
    settings = Settings()
    settings.setmodule("settings.base", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


@dataclass
class CrawlResult:
    stats: dict[str, Any]
    elapsed: float
    db_path: str

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "unknown"))

    @property
    def ok(self) -> bool:
        return self.finish_reason == "finished"


def run_crawl(settings: Settings, *, url: str | None = None, sites: str | None = None) -> CrawlResult:
    from crawler.spiders.news import NewsSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    started = time.monotonic()
    process.crawl(crawler, url=url, sites=sites)
    process.start()
    assert crawler.stats is not None
    return CrawlResult(crawler.stats.get_stats(), time.monotonic() - started, settings.get("NEWSCRAWL_DB"))


def run_summary(result: CrawlResult, kind: str = "crawl", details: list[tuple[str, Any]] | None = None,
                ) -> RunSummary:
    """A crawl's (or a cluster worker's) ``RunSummary``, from its Scrapy stats and,
    for a run that stored, the failures it recorded."""
    s = result.stats
    run_id = s.get("newscrawl/run_id")
    failures: list[tuple[str, int]] = []
    if run_id is not None:
        try:
            db = open_db(result.db_path, read_only=True)
            try:
                failures = failures_by_reason(db, run_id)
            finally:
                db.conn.close()
        except Exception as e:  # the summary must not hide the crawl's own result
            failures = [(f"(could not read failures: {e})", 0)]
    return RunSummary(kind, result.db_path, run_id, result.finish_reason, result.elapsed,
                      RunCounts.from_stats(s), failures, details or [])


def summary(result: CrawlResult) -> str:
    s = result.stats
    return format_summary(run_summary(result, details=[
        ("pages fetched", int(s.get("response_received_count", 0))),
        ("skipped (stored)", int(s.get("newscrawl/skipped_known", 0))),
    ]))
