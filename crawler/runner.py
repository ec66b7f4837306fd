"""Running a crawl in this process: settings assembly, the Scrapy run, the summary."""

from __future__ import annotations

import json
import logging
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


# Settings whose default is an int but that are read as floats: Scrapy 2.19's
# getfloat() calls, and ours (crawler/pipelines/store.py, crawler/spiders/news.py).
FLOAT_SETTINGS = {
    "DNS_TIMEOUT", "DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT",
    "NEWSCRAWL_WINDOW_DAYS", "NEWSCRAWL_RECHECK_DAYS", "NEWSCRAWL_RECHECK_EVERY_HOURS",
    "NEWSCRAWL_RECHECK_OLD_DAYS",
}
# Settings neither settings/base.py nor Scrapy's defaults define but that are
# read (by scrapy-redis, and the cluster's own ones worker_settings() sets), with
# the default type they are read as.
EXTRA_SETTINGS: dict[str, Any] = {
    "NEWSCRAWL_REDIS_URL": "", "REDIS_URL": "", "REDIS_HOST": "", "REDIS_PORT": 6379,
    "SCHEDULER_PERSIST": False, "SCHEDULER_FLUSH_ON_START": False,
    "SCHEDULER_IDLE_BEFORE_CLOSE": 0, "SCHEDULER_QUEUE_KEY": "", "SCHEDULER_QUEUE_CLASS": "",
    "SCHEDULER_DUPEFILTER_KEY": "", "SCHEDULER_DUPEFILTER_CLASS": "",
}


def known_settings() -> dict[str, Any]:
    """Every setting name ``-s`` accepts, with its default (which gives its type):
    Scrapy's defaults, then settings/base.py, then EXTRA_SETTINGS."""
    from scrapy.settings import default_settings

    import settings.base as base

    known = {k: getattr(default_settings, k) for k in dir(default_settings) if k.isupper()}
    known.update({k: getattr(base, k) for k in dir(base) if k.isupper()})
    for key, value in EXTRA_SETTINGS.items():
        known.setdefault(key, value)
    return known


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _list_value(key: str, value: str, default: list[Any]) -> Any:
    """A list setting as Scrapy's getlist() reads it (a comma-separated string);
    a JSON list is taken as the list it spells."""
    items: list[Any] = value.split(",") if value else []
    if value.lstrip().startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            raise SettingError(f"-s {key}={value}: not a JSON list") from None
        if not isinstance(items, list):
            raise SettingError(f"-s {key}={value}: not a JSON list")
        value = items  # type: ignore[assignment]
    if default and all(isinstance(v, int) and not isinstance(v, bool) for v in default):
        if not all(isinstance(v, int) or (isinstance(v, str) and _is_int(v.strip())) for v in items):
            raise SettingError(f"-s {key}={value}: expected a list of integers (comma-separated, "
                               f"e.g. {','.join(map(str, default[:3]))})")
    return value


def _check_value(key: str, value: str, default: Any) -> Any:
    """``value`` (from the command line) as a setting of ``default``'s type would be
    read by Scrapy's getters; raises SettingError naming the key and the type."""
    if isinstance(default, bool):
        if not (_is_int(value) or value in ("True", "true", "False", "false")):
            raise SettingError(f"-s {key}={value}: expected a boolean: true/false or 1/0")
    elif isinstance(default, int) and key not in FLOAT_SETTINGS:
        if not _is_int(value):
            raise SettingError(f"-s {key}={value}: expected an integer (default {default})")
    elif isinstance(default, (int, float)):
        if not _is_float(value):
            raise SettingError(f"-s {key}={value}: expected a number (default {default})")
    elif isinstance(default, (list, tuple)):
        return _list_value(key, value, list(default))
    elif isinstance(default, dict) and value:  # "" reads as {}
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise SettingError(f'-s {key}={value}: expected a JSON object, e.g. {{"key": 1}}')
    if key.startswith("NEWSCRAWL_") and isinstance(default, (int, float)) \
            and not isinstance(default, bool) and float(value) < 0:
        raise SettingError(f"-s {key}={value}: expected a number >= 0")
    return value


def _check_meaning(key: str, value: Any) -> None:
    """Settings whose values have a form beyond their type."""
    if key == "LOG_LEVEL" and value not in logging.getLevelNamesMapping() and not _is_int(str(value)):
        raise SettingError(f"-s {key}={value}: expected a log level: DEBUG, INFO, WARNING, ERROR or CRITICAL")
    if key == "NEWSCRAWL_SINCE" and value:
        from crawler.utils.since import parse_since

        try:
            parse_since(str(value))
        except ValueError as e:
            raise SettingError(f"-s {key}={value}: {e}") from None
    if key == "NEWSCRAWL_ALLOWED_NETWORKS":
        import ipaddress

        for net in (value if isinstance(value, list) else str(value).split(",") if value else []):
            try:
                ipaddress.ip_network(str(net).strip(), strict=False)
            except ValueError:
                raise SettingError(f"-s {key}={value}: {net!r} is not a CIDR network "
                                   "(e.g. 10.20.0.0/16)") from None
    if key == "NEWSCRAWL_RENDER":
        from crawler.sites import RENDER_MODES

        if value not in RENDER_MODES:
            raise SettingError(f"-s {key}={value}: expected one of {', '.join(RENDER_MODES)}")
    if key == "NEWSCRAWL_BROWSER_PATH" and value:
        from crawler.rendering.browser import browser_path_problem

        problem = browser_path_problem(str(value))
        if problem:
            raise SettingError(f"-s {key}={value}: {problem}")
    if key == "NEWSCRAWL_SITES_FILE" and value:
        from crawler.sites import load_sites

        load_sites(str(value))  # SitesConfigError names the file, the site and the key


def check_setting(key: str, value: str, known: dict[str, Any] | None = None) -> Any:
    """One ``-s KEY=VALUE``: the key must be a known setting (did-you-mean
    otherwise) and the value readable as the setting's type. Returns the value
    to set (a JSON list becomes a list; everything else stays the string)."""
    from crawler.sites import did_you_mean

    known = known if known is not None else known_settings()
    if key not in known:
        raise SettingError(f"-s {key}: unknown setting{did_you_mean(key, known)}")
    default = known[key]
    checked = value if default is None or isinstance(default, str) else _check_value(key, value, default)
    _check_meaning(key, checked)
    return checked


def parse_setting_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``-s KEY=VALUE`` pairs, each checked by :func:`check_setting`."""
    out: dict[str, Any] = {}
    known = known_settings()
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SettingError(f"-s {pair}: expected KEY=VALUE")
        out[key.strip()] = check_setting(key.strip(), value, known)
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


def rendering_details(stats: dict[str, Any]) -> list[tuple[str, Any]]:
    """The summary's lines on JavaScript rendering (crawler/pipelines/render.py's stats):
    pages rendered, and shells that were not, with why and how to have them rendered."""
    def n(key: str) -> int:
        return int(stats.get(f"newscrawl/render/{key}") or 0)

    lines: list[tuple[str, Any]] = []
    rendered, launches = n("rendered"), n("browser_launches")
    if rendered or launches:
        notes = [f"{n('articles')} articles", f"{stats.get('newscrawl/render/seconds', 0):.1f}s in the browser"]
        restarts = launches - 1
        if restarts > 0:
            why = [f"{n('browser_crashes')} crashed"] if n("browser_crashes") else []
            why += [f"{n('restarts/memory')} over the memory limit"] if n("restarts/memory") else []
            notes.append(f"browser restarted {restarts} time{'s' if restarts > 1 else ''}"
                         + (f": {', '.join(why)}" if why else ""))
        if stats.get("newscrawl/render/peak_memory_mb"):
            notes.append(f"peak {float(stats['newscrawl/render/peak_memory_mb']):.0f} MB")
        lines.append(("rendered (JavaScript)", f"{rendered} ({'; '.join(notes)})"))
    if n("not_rendered"):
        off = stats.get("newscrawl/render/not_rendered_why") or "rendering unavailable"
        lines.append(("needs JavaScript", f"{n('not_rendered')} not rendered ({off})"))
    return lines


def summary(result: CrawlResult) -> str:
    s = result.stats
    # the requests rendered pages made went through the downloader too: not pages
    pages = int(s.get("response_received_count", 0)) - int(s.get("newscrawl/render/downloads") or 0)
    return format_summary(run_summary(result, details=[
        ("pages fetched", pages),
        ("skipped (stored)", int(s.get("newscrawl/skipped_known", 0))),
        *rendering_details(s),
    ]))
