"""Per-site crawl rules, from a TOML sites file or bare start URLs. Pure."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
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
    render: str | None = None  # auto | always | never: JavaScript rendering (None: NEWSCRAWL_RENDER)

    def owns(self, host: str) -> bool:
        return any(same_site(host, h) for h in self.hosts)


def site_from_url(url: str, **options: Any) -> Site:
    if not is_http_url(url):
        raise SitesConfigError(f"not an http(s) URL: {url!r}")
    url = clean_url(url)
    host = host_of(url)
    return Site(name=options.pop("name", None) or host, start_urls=[url], hosts=[host], **options)


# --- the sites file ---------------------------------------------------------------------
# Each key a [[site]] table may hold: what its value must be, and a check that
# returns the value to use (or raises _Bad). One table, so that every key is
# checked the same way and the error names the file, the site and the key.


class _Bad(ValueError):
    pass


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Bad
    return value


def _non_negative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _Bad
    return float(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad
    return value


def _texts(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise _Bad
    return list(values)


# JavaScript rendering modes (NEWSCRAWL_RENDER, a site's render): application shells
# only, every page, or none.
RENDER_MODES = ("auto", "always", "never")


def _render_mode(value: Any) -> str:
    if value not in RENDER_MODES:
        raise _Bad
    return str(value)


def _urls(value: Any) -> list[str]:
    urls = _texts(value)
    bad = [u for u in urls if not is_http_url(u)]
    if bad:
        raise _Bad(f"not an http(s) URL: {bad[0]!r}")
    return urls


def _regexes(value: Any) -> list[re.Pattern[str]]:
    out = []
    for v in _texts(value):
        try:
            out.append(re.compile(v))
        except re.error as e:
            raise _Bad(f"bad pattern {v!r}: {e}") from None
    return out


SITE_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "name": ("a non-empty string", _text),
    "url": ("an http(s) URL", lambda v: _urls(_text(v))),
    "urls": ("a list of http(s) URLs", _urls),
    "hosts": ("a list of host names", _texts),
    "sitemaps": ("a list of http(s) URLs", _urls),
    "feeds": ("a list of http(s) URLs", _urls),
    "follow_depth": ("an integer >= 0", _non_negative_int),
    "max_pages": ("an integer >= 0 (0: no budget)", _non_negative_int),
    "allow": ("a regular expression or a list of them", _regexes),
    "deny": ("a regular expression or a list of them", _regexes),
    "use_sitemaps": ("true or false", _boolean),
    "use_feeds": ("true or false", _boolean),
    "window_days": ("a number >= 0", _non_negative_number),
    "recheck_days": ("a number >= 0", _non_negative_number),
    "recheck_every_hours": ("a number >= 0", _non_negative_number),
    "recheck_old_days": ("a number >= 0", _non_negative_number),
    "render": ('"auto", "always" or "never"', _render_mode),
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _site_label(entry: Any, number: int) -> str:
    """``site #3 (kyiv)``: its number in the file, and its name or first URL if it has one."""
    candidates: list[Any] = []
    if isinstance(entry, dict):
        urls = entry.get("urls")
        first_url = urls[0] if isinstance(urls, list) and urls else urls
        candidates = [entry.get("name"), entry.get("url"), first_url]
    label = next((c for c in candidates if isinstance(c, str) and c.strip()), None)
    return f"site #{number} ({label})" if label else f"site #{number}"


def check_site_entry(entry: Any, where: str) -> dict[str, Any]:
    """One ``[[site]]`` table's values, checked against SITE_KEYS (``where``
    names the file and the site in errors)."""
    if not isinstance(entry, dict):
        raise SitesConfigError(f"{where}: a site must be a [[site]] table, got {entry!r}")
    for key in entry:
        if key not in SITE_KEYS:
            raise SitesConfigError(f"{where}: unknown key {key!r}{did_you_mean(key, SITE_KEYS)}")
    values = {}
    for key, value in entry.items():
        expected, check = SITE_KEYS[key]
        try:
            values[key] = check(value)
        except _Bad as e:
            detail = f": {e}" if str(e) else f", got {json.dumps(value, default=str)}"
            raise SitesConfigError(f"{where}: {key} must be {expected}{detail}") from None
    if not (values.get("url") or values.get("urls")):
        raise SitesConfigError(f"{where}: needs url")
    return values


def load_sites(path: str | Path, *, follow_depth: int = 2, max_pages: int = 0) -> list[Site]:
    """Read a sites file: ``[[site]]`` tables with ``url`` (or ``urls``) and options;
    ``follow_depth`` and ``max_pages`` are the defaults for sites that set none.
    Every key is checked (SITE_KEYS) before any site is returned."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SitesConfigError(f"sites file not found: {path}") from None
    except IsADirectoryError:
        raise SitesConfigError(f"{path}: a directory, not a sites file") from None
    except UnicodeDecodeError:
        raise SitesConfigError(f"{path}: not a TOML sites file (not UTF-8 text)") from None
    except OSError as e:
        raise SitesConfigError(f"{path}: cannot read the sites file: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise SitesConfigError(f"{path}: invalid TOML: {e}") from None
    entries = data.get("site") or data.get("sites")
    if not isinstance(entries, list) or not entries:
        others = [k for k in data if k not in ("site", "sites")]
        near = [k for k in others if did_you_mean(k, ["site"])]
        hint = f" (found {near[0]!r}: did you mean 'site'?)" if near else ""
        raise SitesConfigError(f"{path}: no [[site]] entries{hint}")
    sites = []
    for i, entry in enumerate(entries, 1):
        where = f"{path}: {_site_label(entry, i)}"
        values = check_site_entry(entry, where)
        urls = values.get("urls") or values["url"]
        hosts = list(dict.fromkeys([host_of(u) for u in urls] + values.get("hosts", [])))
        sites.append(
            Site(
                name=values.get("name") or hosts[0],
                start_urls=[clean_url(u) for u in urls],
                hosts=hosts,
                sitemaps=values.get("sitemaps", []),
                feeds=values.get("feeds", []),
                follow_depth=values.get("follow_depth", follow_depth),
                max_pages=values.get("max_pages", max_pages),
                allow=values.get("allow", []),
                deny=values.get("deny", []),
                use_sitemaps=values.get("use_sitemaps", True),
                use_feeds=values.get("use_feeds", True),
                **{k: values.get(k)
                   for k in ("window_days", "recheck_days", "recheck_every_hours", "recheck_old_days",
                             "render")},
            )
        )
    return sites
