"""crawler.utils.botwall: a pattern runs only on pages holding one of its key words,
so every marker a pattern matches must contain one of them."""

from __future__ import annotations

import pytest

from crawler.utils import botwall

# Markers each pattern exists to find, as challenge pages write them (any case).
MARKERS = {
    "Cloudflare challenge": [b"window._cf_chl_opt={", b'<div class="cf-chl-widget">',
                             b"/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1",
                             b'<form id="challenge-form" action="/">', b"Enable JavaScript and cookies to continue",
                             b'<script src="https://challenges.cloudflare.com/turnstile/v0/api.js">'],
    "DataDome captcha": [b"https://geo.captcha-delivery.com/captcha/?initialCid="],
    "PerimeterX captcha": [b'<div id="px-captcha">', b"window._pxCaptcha", b"client.perimeterx.net/captcha"],
    "Imperva challenge": [b"/_Incapsula_Resource?SWJIYLWA=", b"Incapsula incident ID: 123"],
    "Akamai challenge": [b"/_sec/cp_challenge/ak-challenge-4-3.htm", b'<div class="sec-if-cpt-container">'],
    "DDoS-Guard challenge": [b"https://check.ddos-guard.net/check.js"],
    "browser check": [b"Checking if the site connection is secure", b"Checking your browser before accessing"],
    "captcha": [b'<div class="g-recaptcha" data-sitekey="x">', b"https://www.google.com/recaptcha/api.js",
                b'<div class="h-captcha">', b"https://hcaptcha.com/1/api.js"],
}


@pytest.mark.parametrize("what", sorted(MARKERS))
def test_every_marker_holds_a_key_word_of_its_pattern(what: str) -> None:
    patterns = [p for w, p in botwall.STRONG + botwall.WEAK if w == what]
    assert patterns and set(MARKERS) == set(botwall.KEYS)
    for marker in MARKERS[what]:
        assert any(p.search(marker) for p in patterns), marker
        assert any(key in marker.lower() for key in botwall.KEYS[what]), marker


@pytest.mark.parametrize("what, status", [("Cloudflare challenge", 200), ("DataDome captcha", 200),
                                          ("Imperva challenge", 200), ("captcha", 403)])
def test_a_wall_is_found_after_kilobytes_of_other_markup(what: str, status: int) -> None:
    page = (b"<html><head><title>Welcome</title>" + b"<meta name=x content=y>" * 2000
            + MARKERS[what][0] + b"</head><body></body></html>")
    assert botwall.wall_kind(status, page) == what


def test_an_article_that_mentions_a_captcha_is_no_wall() -> None:
    page = (b"<html><head><title>How captchas changed the web</title></head><body><article>"
            + b"<p>The reCAPTCHA project asked readers to type words.</p>" * 50 + b"</article></body></html>")
    assert botwall.wall_kind(200, page) is None
