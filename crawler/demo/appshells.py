"""A local news site whose articles are application shells, for the rendering
tests and ``bench/render.py``.

"The Evening Courier" serves, through routes of a ``SiteServer``:

* ``SHELLS`` article pages that are application shells: the right ``<head>``
  (og:title, og:type article or JSON-LD NewsArticle, article:published_time), an
  empty mount point (``#app``, ``#__next`` or ``#root``) and a script bundle
  (``/static/app.js``, or ``/static/next-app.js`` which first fetches a config)
  that fetches the article from a JSON API (``/api/articles/<id>.json``) and
  renders it;
* ordinary (server-rendered) articles, each with scripts of its own
  (``/static/ordinary/...``) that a browser would load and the crawler must not;
  one carries Cloudflare's bot-detection script, which is not a challenge;
* bot-wall pages: a Cloudflare "Just a moment..." challenge (403), a captcha
  (429), a DataDome interstitial answered with 200;
* a homepage linking to all of them, and a robots.txt.

``AppShellSite.install(server, name)`` adds the routes; the truth (titles,
authors, paragraphs) is in ``shells``, ``ordinary`` and ``walls``.
"""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.demo.routes import RequestRecord, Response

if TYPE_CHECKING:
    from crawler.demo.server import SiteServer

PUBLISHER = "The Evening Courier"
_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_SUBJECTS = ("The harbour board", "The city council", "Regional health officials", "The ferry operator",
             "Local farmers", "The port authority", "Teachers at the east bank school", "The water company",
             "Residents of the old town", "The transport minister", "Museum volunteers", "The fire service")
_VERBS = ("said on Tuesday that", "confirmed late on Monday that", "warned in a statement that",
          "told reporters that", "announced this week that", "argued at a public meeting that")
_CLAUSES = ("the new timetable would start in the spring", "repairs to the sea wall would cost more than planned",
            "a second inspection found no further damage", "the budget for the coming year would rise slightly",
            "volunteers had collected more than four thousand signatures", "the old bridge would close for a month",
            "the night ferry carried more passengers than expected", "the harvest had come in two weeks early",
            "the library would extend its opening hours", "plans for the wind farm would be published in June",
            "the strike had been called off after talks", "prices at the weekly market had barely changed")
_TAILS = ("A final decision is expected before the summer.", "Critics said the plan came far too late.",
          "Officials declined to give a precise date.", "The proposal will go to a public vote.",
          "Several residents welcomed the news.", "The figures will be reviewed again in the autumn.")
_TOPICS = ("ferry", "sea wall", "harbour", "library", "bridge", "market", "wind farm", "council budget",
           "school", "museum", "water supply", "night bus")


def _paragraphs(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        sentences = [f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_CLAUSES)}."
                     for _ in range(rng.randint(2, 3))]
        sentences.append(rng.choice(_TAILS))
        out.append(" ".join(sentences))
    return out


@dataclass
class Story:
    n: int
    kind: str  # "shell" or "ordinary"
    title: str
    author: str
    published: str
    paragraphs: list[str]
    mount: str = "app"  # the shell's mount point id
    bundle: str = "app.js"  # the shell's script
    metadata: str = "og"  # "og" (og:type article) or "jsonld" (JSON-LD NewsArticle only)

    @property
    def slug(self) -> str:
        return f"{self.kind}-story-{self.n}-about-the-{self.title.split()[-1].lower()}"

    @property
    def path(self) -> str:
        return f"/news/2026/03/{self.slug}"

    @property
    def api_path(self) -> str:
        return f"/api/articles/{self.n}.json"

    @property
    def body(self) -> str:
        """The article text as extraction gives it: paragraphs, one a line."""
        return "\n".join(self.paragraphs)


def _story(n: int, kind: str, rng: random.Random) -> Story:
    topic = _TOPICS[n % len(_TOPICS)]
    title = f"Courier report {n}: what changes for the {topic}"
    author = f"{rng.choice(('Maria', 'Jonas', 'Aino', 'Tomas', 'Leila', 'Ruth'))} " \
             f"{rng.choice(('Okafor', 'Lindqvist', 'Virtanen', 'Moreau', 'Haddad', 'Brennan'))}"
    published = (_NOW - timedelta(hours=n)).isoformat()
    return Story(n, kind, title, author, published, _paragraphs(rng, rng.randint(5, 7)))


APP_JS = """(function () {
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) {
    return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; }); }
  var mount = document.querySelector('[data-mount]');
  var id = mount.getAttribute('data-article');
  mount.textContent = 'Loading...';
  function show(a) {
    var html = '<article><h1>' + esc(a.title) + '</h1><p class="byline">By ' + esc(a.author) + '</p>' +
      '<time datetime="' + esc(a.published) + '"></time><img src="/static/photos/' + id + '.jpg" alt="">';
    a.paragraphs.forEach(function (p) { html += '<p>' + esc(p) + '</p>'; });
    mount.innerHTML = html + '</article>';
    document.title = a.title + ' | The Evening Courier';
  }
  function load(base) {
    return fetch(base + '/articles/' + id + '.json', {headers: {'Accept': 'application/json'}})
      .then(function (r) { if (!r.ok) { throw new Error('http ' + r.status); } return r.json(); })
      .then(show);
  }
  if (window.COURIER_CONFIG) {
    // the "next" bundle: a config request first, then the article, after a tick
    fetch(window.COURIER_CONFIG).then(function (r) { return r.json(); })
      .then(function (c) { setTimeout(function () { load(c.api); }, 50); });
  } else {
    load('/api');
  }
})();
"""

CONFIG_JSON = json.dumps({"api": "/api", "features": ["comments", "newsletter"]})
APP_CSS = ("@font-face { font-family: Courier Serif; src: url(/static/fonts/courier-serif.woff2) format('woff2'); }\n"
           "body { font-family: 'Courier Serif', serif; } article { max-width: 40em; }\n")


def shell_html(s: Story) -> str:
    """The application shell of story ``s`` (its bundle, mount point and metadata)."""
    head_meta = ""
    if s.metadata == "og":
        head_meta = (f'<meta property="og:type" content="article">\n'
                     f'<meta property="article:published_time" content="{s.published}">\n')
    else:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title,
              "datePublished": s.published, "author": {"@type": "Person", "name": s.author},
              "publisher": {"@type": "Organization", "name": PUBLISHER}}
        head_meta = f'<script type="application/ld+json">{json.dumps(ld)}</script>\n'
    config = '<script>window.COURIER_CONFIG = "/api/config.json";</script>\n' if s.bundle == "next-app.js" else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(s.title)} | {PUBLISHER}</title>
<meta property="og:title" content="{escape(s.title)}">
<meta property="og:site_name" content="{PUBLISHER}">
{head_meta}<link rel="canonical" href="{{{{base:courier}}}}{s.path}">
<link rel="stylesheet" href="/static/app.css">
<link rel="icon" href="/static/favicon.png">
{config}</head>
<body><header><a href="/">{PUBLISHER}</a></header>
<div id="{s.mount}" data-mount data-article="{s.n}"><noscript>You need to enable JavaScript to run this app.</noscript></div>
<script src="/static/{s.bundle}" defer></script>
</body></html>
"""


def _ordinary_html(s: Story, extra_script: str = "") -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in s.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(s.title)} | {PUBLISHER}</title>
<meta property="og:type" content="article"><meta property="og:title" content="{escape(s.title)}">
<meta property="og:site_name" content="{PUBLISHER}">
<meta property="article:published_time" content="{s.published}">
<meta name="author" content="{s.author}">
<link rel="canonical" href="{{{{base:courier}}}}{s.path}">
<script src="/static/ordinary/consent-{s.n}.js"></script>
</head>
<body><header><a href="/">{PUBLISHER}</a></header>
<article><h1>{escape(s.title)}</h1><p class="byline">By {escape(s.author)}</p>
{body}
</article>
<div id="comments"></div><script src="/static/ordinary/comments-{s.n}.js" async></script>
<img src="/static/ordinary/photo-{s.n}.jpg" alt="">
{extra_script}</body></html>
"""


CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body><div class="main-wrapper" role="main"><div class="main-content"><noscript><div class="h2">
<span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "courier.example",cType: 'managed',cRay: '8a1b2c3d4e5f6a7b'};
var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8a1b2c3d4e5f6a7b';
document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>
"""
CAPTCHA_PAGE = """<!DOCTYPE html><html><head><title>Are you a robot?</title></head>
<body><h1>Please confirm that you are not a robot</h1>
<p>We have detected unusual traffic from your network.</p>
<form method="post" action="/verify"><div class="g-recaptcha" data-sitekey="6Lc-example"></div>
<script src="https://www.google.com/recaptcha/api.js" async defer></script><button>Continue</button></form>
</body></html>
"""
DATADOME_PAGE = """<html><head><title>courier.example</title><style>#cmsg{animation: A 1.5s;}</style></head>
<body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker</p>
<script data-cfasync="false">var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522B61E269B869FA6EAFFB5E1',
'b':1234,'s':45678,'e':'abc','host':'geo.captcha-delivery.com','cookie':'dd_cookie'}</script>
<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script></body></html>
"""
# (path, status, body, kind the crawler names)
WALLS = (
    ("/news/2026/03/council-vote-on-the-harbour-plan", 403, CLOUDFLARE_CHALLENGE, "Cloudflare challenge"),
    ("/news/2026/03/ferry-strike-called-off-after-talks", 429, CAPTCHA_PAGE, "captcha"),
    ("/news/2026/03/market-prices-barely-changed", 200, DATADOME_PAGE, "DataDome captcha"),
)
# An ordinary page of a site behind Cloudflare carries its bot-detection script: not a wall.
CLOUDFLARE_JSD = '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js" async></script>\n'


class AppShellSite:
    """The Evening Courier: ``shells`` application-shell articles, ``ordinary``
    server-rendered ones, and bot walls (``walls``)."""

    def __init__(self, shells: int = 24, ordinary: int = 3, seed: int = 14) -> None:
        rng = random.Random(seed)
        self.shells = [_story(n, "shell", rng) for n in range(1, shells + 1)]
        mounts, bundles = ("app", "__next", "root"), ("app.js", "next-app.js")
        for i, s in enumerate(self.shells):
            s.mount = mounts[i % len(mounts)]
            s.bundle = bundles[(i // 3) % len(bundles)]
            s.metadata = "jsonld" if i % 4 == 3 else "og"
        self.ordinary = [_story(100 + n, "ordinary", rng) for n in range(1, ordinary + 1)]
        self.walls = list(WALLS)
        self.robots = "User-agent: *\nAllow: /\n"
        # more pages for a test: (path, link text) linked from the homepage, and routes
        self.extra_links: list[tuple[str, str]] = []
        self.extra_routes: list[tuple[str, Any]] = []
        self.observers: list[Any] = []  # called with every request the site's routes answer
        self._root: tempfile.TemporaryDirectory[str] | None = None

    # -- pages ----------------------------------------------------------------------------

    def homepage(self) -> str:
        links = [f'<li><a href="{s.path}">{escape(s.title)}</a></li>' for s in self.shells + self.ordinary]
        links += [f'<li><a href="{path}">Walled story {i}</a></li>' for i, (path, *_rest) in enumerate(self.walls)]
        links += [f'<li><a href="{path}">{escape(text)}</a></li>' for path, text in self.extra_links]
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{PUBLISHER}</title>
<meta property="og:type" content="website"></head>
<body><h1>{PUBLISHER}</h1><ul>
{chr(10).join(links)}
</ul></body></html>
"""

    def site_dir(self) -> Path:
        """An empty site root for ``SiteServer`` (everything is served by routes)."""
        if self._root is None:
            self._root = tempfile.TemporaryDirectory(prefix="appshells-")
        return Path(self._root.name)

    def server(self, **kwargs: Any) -> SiteServer:
        """A (not yet started) ``SiteServer`` with the site on 127.0.0.1 as ``courier``."""
        from crawler.demo.server import SiteServer

        server = SiteServer({"courier": self.site_dir()}, **kwargs)
        self.install(server, "courier")
        return server

    def install(self, server: SiteServer, name: str = "courier") -> None:
        pages: dict[str, tuple[int, str, str]] = {
            "/": (200, self.homepage(), "text/html; charset=utf-8"),
            "/robots.txt": (200, self.robots, "text/plain"),
            "/static/app.js": (200, APP_JS, "application/javascript"),
            "/static/next-app.js": (200, APP_JS, "application/javascript"),
            "/static/app.css": (200, APP_CSS, "text/css"),
            "/api/config.json": (200, CONFIG_JSON, "application/json"),
        }
        for s in self.shells:
            pages[s.path] = (200, shell_html(s), "text/html; charset=utf-8")
            pages[s.api_path] = (200, json.dumps({"title": s.title, "author": s.author,
                                                 "published": s.published, "paragraphs": s.paragraphs}),
                                 "application/json")
        for i, s in enumerate(self.ordinary):
            pages[s.path] = (200, _ordinary_html(s, CLOUDFLARE_JSD if i == 0 else ""), "text/html; charset=utf-8")
        for path, status, body, _kind in self.walls:
            pages[path] = (status, body, "text/html; charset=UTF-8")

        def answer(request: RequestRecord) -> Response | None:
            for observe in self.observers:
                observe(request)
            found = pages.get(request.url_path)
            if found is None:
                return None
            status, body, ctype = found
            return Response(status=status, headers={"Content-Type": ctype}, body=body)

        for path in pages:
            server.add_route(name, path, answer)
        for path, handler in self.extra_routes:
            server.add_route(name, path, handler)
