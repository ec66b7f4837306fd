"""Is this answer a bot wall?  A challenge or interstitial page (Cloudflare's
"Just a moment...", a captcha, DataDome, PerimeterX, Imperva, Akamai, DDoS-Guard)
instead of the page that was asked for. Pure: status and bytes in, a reason out.

Two strengths of evidence:

* the machinery of a challenge (``cf_chl_opt``, Cloudflare's challenge form, a
  DataDome or PerimeterX captcha, Imperva's incident page...) appears only on
  challenge pages: it decides for any status;
* weaker hints (an interstitial's ``<title>``, a captcha widget, the
  ``/cdn-cgi/challenge-platform/`` path, which Cloudflare also injects into
  ordinary pages as a bot-detection script) decide only for the statuses bot walls
  answer with (403, 429, 503), or for a 200 when the title and another hint agree.

The reason starts with ``storage.records.BOT_WALL_REASON`` (``"bot wall: "``),
which ``storage.health`` counts as a bot-wall answer.
"""

from __future__ import annotations

import html
import re

from storage.records import BOT_WALL_REASON

WALL_STATUSES = frozenset({403, 429, 503})
# Challenge pages are small; an answer is looked at up to this many bytes.
SCAN_BYTES = 64 * 1024
# A 200 longer than this is a page, not an interstitial (challenge pages are a few KB).
MAX_WALL_SIZE = 512 * 1024

# (what, pattern): the machinery of a challenge; any one decides.
STRONG: tuple[tuple[str, re.Pattern[bytes]], ...] = tuple(
    (what, re.compile(pattern, re.I)) for what, pattern in (
        ("Cloudflare challenge", (rb"cf_chl_opt|cf-chl-|/cdn-cgi/challenge-platform/h/[a-z]/orchestrate/"
                                  rb"|id=[\"']challenge-(?:form|running|stage|body-text)[\"']"
                                  rb"|enable javascript and cookies to continue")),
        ("DataDome captcha", rb"captcha-delivery\.com|geo\.captcha-delivery"),
        ("PerimeterX captcha", rb"px-captcha|_pxcaptcha|perimeterx\.net/captcha"),
        ("Imperva challenge", rb"_incapsula_resource|incapsula incident id"),
        ("Akamai challenge", rb"/_sec/cp_challenge/|sec-if-cpt-container"),
        ("DDoS-Guard challenge", rb"ddos-guard\.net/|check\.ddos-guard"),
        ("browser check", rb"checking (?:if the site connection is secure|your browser before accessing)"),
    )
)
# (what, pattern) in the <title>: an interstitial's.
TITLES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (what, re.compile(pattern, re.I)) for what, pattern in (
        ("Cloudflare challenge", r"^\s*(?:just a moment|please wait)\b.{0,20}$|attention required.{0,5}cloudflare"),
        ("DDoS-Guard challenge", r"ddos-guard"),
        ("Imperva challenge", r"^\s*pardon our interruption"),
        ("captcha", (r"captcha|are you (?:a )?(?:robot|human)|human verification|verify(?:ing)? you are (?:a )?human"
                     r"|bot (?:check|verification)|security check|one more step")),
        ("access denied", r"^\s*access denied\s*$"),  # a WAF's block page (Akamai's, among others)
    )
)
# (what, pattern): hints that also occur on ordinary pages.
WEAK: tuple[tuple[str, re.Pattern[bytes]], ...] = tuple(
    (what, re.compile(pattern, re.I)) for what, pattern in (
        ("Cloudflare challenge", rb"/cdn-cgi/challenge-platform/|challenges\.cloudflare\.com"),
        ("captcha", rb"g-recaptcha|www\.google\.com/recaptcha|h-captcha|hcaptcha\.com"),
    )
)
_TITLE = re.compile(rb"<title[^>]*>([^<]{0,300})</title", re.I)
# For each STRONG and WEAK pattern, words (lower case) one of which its every match
# contains: the pattern runs only on a page that has one, found by plain substring
# search (case-insensitive regex alternations over 64 KB cost ~10 ms a page, on the
# crawl's event loop). tests/unit/utils/test_botwall.py checks each pattern against them.
KEYS: dict[str, tuple[bytes, ...]] = {
    "Cloudflare challenge": (b"cf_chl_opt", b"cf-chl-", b"/cdn-cgi/challenge-platform/", b"challenge-",
                             b"enable javascript and cookies", b"challenges.cloudflare.com"),
    "DataDome captcha": (b"captcha-delivery",),
    "PerimeterX captcha": (b"px-captcha", b"_pxcaptcha", b"perimeterx"),
    "Imperva challenge": (b"_incapsula_resource", b"incapsula incident"),
    "Akamai challenge": (b"/_sec/cp_challenge/", b"sec-if-cpt"),
    "DDoS-Guard challenge": (b"ddos-guard",),
    "browser check": (b"checking if the site connection", b"checking your browser"),
    "captcha": (b"recaptcha", b"h-captcha", b"hcaptcha.com"),
}


def _title(head: bytes) -> str:
    m = _TITLE.search(head)
    if not m:
        return ""
    return " ".join(html.unescape(m.group(1).decode("utf-8", "replace")).split())


def _first(markers: tuple[tuple[str, re.Pattern[bytes]], ...], data: bytes, lower: bytes) -> str | None:
    return next((what for what, pattern in markers
                 if any(key in lower for key in KEYS[what]) and pattern.search(data)), None)


def wall_kind(status: int, body: bytes | str) -> str | None:
    """What kind of bot wall this answer is ("Cloudflare challenge", "captcha", ...),
    or None for an ordinary page or error."""
    data = body[:MAX_WALL_SIZE + 1]
    data = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
    walled_status = status in WALL_STATUSES
    if not walled_status and len(data) > MAX_WALL_SIZE:
        return None
    head = data[:SCAN_BYTES]
    lower = head.lower()
    strong = _first(STRONG, head, lower)
    if strong:
        return strong
    title = _title(head)
    titled = next((what for what, pattern in TITLES if title and pattern.search(title)), None)
    weak = _first(WEAK, head, lower)
    if walled_status:
        return titled or weak
    # a 200 (or another status): the interstitial's title and a hint must agree
    return titled if titled and weak else None


def wall_reason(status: int, body: bytes | str) -> str | None:
    """``"bot wall: Cloudflare challenge (http 403)"``, or None."""
    kind = wall_kind(status, body)
    return f"{BOT_WALL_REASON}{kind} (http {status})" if kind else None
