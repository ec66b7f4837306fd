"""Per-site crawl rules, from a TOML sites file or bare start URLs. Pure."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.utils.urls import clean_url, host_of, is_http_url, same_site


class SitesConfigError(ValueError):
    pass


@dataclass
class Site:
    name: str
    start_urls: list[str]
    hosts: list[str]  # host[:port] without www. that belong to the site
    sitemaps: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    follow_depth: int = 2
    max_pages: int = 0  # 0: no budget
    allow: list[re.Pattern[str]] = field(default_factory=list)  # link-following: path must match one
    deny: list[re.Pattern[str]] = field(default_factory=list)  # link-following: path must match none
    use_sitemaps: bool = True
    use_feeds: bool = True
    # None: the NEWSCRAWL_* setting's default
    window_days: float | None = None  # skip sitemap/feed entries older than this
    recheck_days: float | None = None  # articles younger than this are re-checked ...
    recheck_every_hours: float | None = None  # ... this often (0: every run)
    recheck_old_days: float | None = None  # older ones every N days (0: never)

    def owns(self, host: str) -> bool:
        return any(same_site(host, h) for h in self.hosts)


def _patterns(values: Any, where: str) -> list[re.Pattern[str]]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        try:
            out.append(re.compile(v))
        except re.error as e:
            raise SitesConfigError(f"{where}: bad pattern {v!r}: {e}") from None
    return out


def site_from_url(url: str, **options: Any) -> Site:
    if not is_http_url(url):
        raise SitesConfigError(f"not an http(s) URL: {url!r}")
    url = clean_url(url)
    host = host_of(url)
    return Site(name=options.pop("name", None) or host, start_urls=[url], hosts=[host], **options)


_KNOWN = {"name", "url", "urls", "sitemaps", "feeds", "follow_depth", "max_pages", "allow", "deny",
          "hosts", "use_sitemaps", "use_feeds", "window_days", "recheck_days", "recheck_every_hours",
          "recheck_old_days"}


def _optional_float(entry: dict[str, Any], key: str, where: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise SitesConfigError(f"{where}: {key} must be a number >= 0, got {value!r}")
    return float(value)


def load_sites(path: str | Path, *, follow_depth: int = 2, max_pages: int = 0) -> list[Site]:
    """Read a sites file: ``[[site]]`` tables with ``url`` (or ``urls``) and options;
    ``follow_depth`` and ``max_pages`` are the defaults for sites that set none."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SitesConfigError(f"sites file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise SitesConfigError(f"{path}: invalid TOML: {e}") from None
    entries = data.get("site") or data.get("sites")
    if not isinstance(entries, list) or not entries:
        raise SitesConfigError(f"{path}: no [[site]] entries")
    sites = []
    for i, entry in enumerate(entries, 1):
        where = f"{path} site #{i}"
        unknown = set(entry) - _KNOWN
        if unknown:
            raise SitesConfigError(f"{where}: unknown keys {sorted(unknown)}")
        urls = entry.get("urls") or ([entry["url"]] if entry.get("url") else [])
        if not urls:
            raise SitesConfigError(f"{where}: needs url")
        for u in urls:
            if not is_http_url(u):
                raise SitesConfigError(f"{where}: not an http(s) URL: {u!r}")
        hosts = list(dict.fromkeys([host_of(u) for u in urls] + list(entry.get("hosts", []))))
        sites.append(
            Site(
                name=entry.get("name") or hosts[0],
                start_urls=[clean_url(u) for u in urls],
                hosts=hosts,
                sitemaps=list(entry.get("sitemaps", [])),
                feeds=list(entry.get("feeds", [])),
                follow_depth=int(entry.get("follow_depth", follow_depth)),
                max_pages=int(entry.get("max_pages", max_pages)),
                allow=_patterns(entry.get("allow"), where),
                deny=_patterns(entry.get("deny"), where),
                use_sitemaps=bool(entry.get("use_sitemaps", True)),
                use_feeds=bool(entry.get("use_feeds", True)),
                **{k: _optional_float(entry, k, where)
                   for k in ("window_days", "recheck_days", "recheck_every_hours", "recheck_old_days")},
            )
        )
    return sites
