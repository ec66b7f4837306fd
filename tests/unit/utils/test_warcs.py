"""crawler.utils.warcs: which payloads are HTML."""

from __future__ import annotations

from crawler.utils.warcs import is_html


def test_html_sniffing() -> None:
    assert is_html("text/html; charset=utf-8", b"<p>hi")
    assert not is_html("text/html", b"%PDF-1.4")
    assert is_html("", b"\n  <!DOCTYPE html><html>")
    assert is_html("application/octet-stream", b"<html lang=en>")
    assert not is_html("", b"\0\1binary")
    assert not is_html("application/json", b"<html>")
