"""Discovery documents the discovery unit tests parse: a urlset builder, an RSS 2.0
and an Atom feed with the awkward cases real feeds have."""

from __future__ import annotations

from crawler.discovery import Parsed

BASE = "https://news.example/section/page.html"
SM_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def urlset(*urls: str, ns: str = SM_NS, extra_ns: str = "") -> bytes:
    xmlns = f' xmlns="{ns}"' if ns else ""
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f"{prolog}<urlset{xmlns}{extra_ns}>{''.join(urls)}</urlset>".encode()


def urls_of(parsed: Parsed) -> list[str]:
    return [e.url for e in parsed.entries]


RSS = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel><title>Example</title><link>https://news.example/</link>
<atom:link rel="self" href="https://news.example/feed" type="application/rss+xml"/>
<item><title>Caf\xe9 opens</title><link>/2025/cafe</link>
  <pubDate>Thu, 27 Mar 2025 10:00:00 +0100</pubDate>
  <content:encoded><![CDATA[<p>Body with <a href="https://elsewhere.example/">a link</a></p>]]></content:encoded></item>
<item><title>Guid only</title><guid>https://news.example/2025/guid</guid><dc:date>2025-03-27T11:00:00Z</dc:date></item>
<item><title>Opaque guid</title><guid isPermaLink="false">https://news.example/2025/opaque</guid></item>
<item><title>Tracked</title><link>https://feedproxy.example/~r/x/123</link>
  <feedburner:origLink>https://news.example/2025/real</feedburner:origLink>
  <pubDate>garbage date</pubDate></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
</channel></rss>"""


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/base/">
<title>Blog</title><link rel="self" href="https://blog.example/atom.xml"/>
<entry><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; brave</title>
  <link rel="self" href="/self/1"/><link rel="edit" href="/edit/1"/>
  <link rel="enclosure" href="/audio.mp3"/><link href="posts/1"/>
  <id>tag:blog.example,2025:1</id>
  <published>2025-03-27T10:00:00Z</published><updated>2025-03-28T09:30:00-05:00</updated></entry>
<entry><title>Two alternates</title>
  <link rel="alternate" type="application/pdf" href="https://blog.example/2.pdf"/>
  <link rel="alternate" type="text/html" href="https://blog.example/2.html"/></entry>
<entry><title>No link</title><id>https://blog.example/3</id></entry>
</feed>"""
