"""Running a crawl in this process: settings assembly, the Scrapy run, the summary."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from storage import open_db
from storage.queries import failures_by_reason


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


def summary(result: CrawlResult) -> str:
    s = result.stats

    def g(key: str) -> int:
        return int(s.get(f"newscrawl/{key}", 0) or 0)

    run_id = s.get("newscrawl/run_id")
    lines = [
        f"newscrawl: crawl {result.finish_reason} in {result.elapsed:.1f}s (run {run_id}, database {result.db_path})",
        f"  pages fetched      {int(s.get('response_received_count', 0))}",
        f"  articles stored    {g('outcome/new')}",
        f"  articles updated   {g('outcome/updated')} (new versions)",
        f"  not modified       {g('outcome/not_modified')} (re-checked, unchanged)",
        f"  duplicates         {g('outcome/duplicate_url') + g('outcome/duplicate_text')}"
        f" ({g('outcome/duplicate_url')} known URL, {g('outcome/duplicate_text')} same text)",
        f"  not articles       {g('outcome/not_article')}",
        f"  skipped (stored)   {g('skipped_known')}",
    ]
    failures: list[tuple[str, int]] = []
    if run_id is not None:
        try:
            db = open_db(result.db_path, read_only=True)
            failures = failures_by_reason(db, run_id)
            db.conn.close()
        except Exception as e:  # the summary must not hide the crawl's own result
            failures = [(f"(could not read failures: {e})", 0)]
    lines.append(f"  failures           {sum(n for _, n in failures)}")
    for reason, n in failures:
        lines.append(f"    {n:5d}  {reason}")
    return "\n".join(lines)
