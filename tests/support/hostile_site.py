"""A local news site that contains every trap: faults, bombs, loops, bad input.

``build_site(root)`` writes the static part (real articles in several
encodings, hostile sitemaps, odd files); ``install_routes(server, ...)`` adds
the dynamic part (flaky and failing pages, slow pages, redirect chains and
loops, SSRF redirects, oversized responses, compression bombs, an endless
calendar, session-ID links). ``ARTICLES`` is the truth: every real article the
crawl must store, with its title and a phrase of its body.

``sitecustomize`` (written by ``write_sitecustomize``) is put on the crawl
subprocess's ``PYTHONPATH`` to (a) log every outgoing TCP connect, proving a
refused target was never contacted, and (b) make extraction raise or hang for
``/boom/`` pages, proving one bad page fails alone.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import brotli

from crawler.demo.server import RequestRecord, Response, SiteServer

SITE = "hostile"


@dataclass
class Article:
    path: str
    title: str
    paragraphs: list[str]
    encoding: str = "utf-8"
    content_type: str = "text/html; charset=utf-8"  # what the server says
    lang: str = "en"
    in_sitemap: bool = False

    @property
    def phrase(self) -> str:
        return self.paragraphs[1][:60]


EN = [
    Article(
        "/news/2025/05/harbour-ferry-timetable-extended.html",
        "Harbour ferry timetable extended into the late evening",
        [
            "The harbour ferry will run until half past eleven every night from June, the transport board said on Tuesday, after a trial of late sailings drew more passengers than expected.",
            "Board chair Imelda Voss said the late boats carried an average of ninety people a night during the six-week trial, most of them restaurant workers heading home to the east bank.",
            "The extra sailings will cost about two hundred thousand a year, paid for by a small rise in the price of the monthly pass. Single tickets will not change.",
            "Residents of the east bank have campaigned for later ferries for years, arguing that the last boat at nine left shift workers facing a long walk round by the bridge.",
        ],
        in_sitemap=True,
    ),
    Article(
        "/news/2025/05/lighthouse-keepers-cottage-restored.html",
        "Lighthouse keeper's cottage restored as a small museum",
        [
            "The whitewashed cottage beside the old north lighthouse has reopened as a museum after a two-year restoration paid for largely by local donations.",
            "Volunteers rebuilt the slate roof, replaced rotten window frames with oak copies and tracked down furniture that had belonged to the last keeper's family.",
            "Among the exhibits are the keeper's logbooks, which record every passing ship and every storm between 1921 and the automation of the light in 1968.",
            "The museum opens at weekends from April to October. Entry is free, although visitors are asked to leave a donation towards the upkeep of the building.",
        ],
        in_sitemap=True,
    ),
    Article(
        "/news/2025/05/orchard-growers-report-record-cherry-harvest.html",
        "Orchard growers report a record cherry harvest",
        [
            "Cherry growers in the valley expect their largest harvest on record this summer, after a mild spring without the late frosts that ruined last year's crop.",
            "The growers' cooperative said pickers would be needed for at least seven weeks, and it has asked the regional college to let students start a fortnight early.",
            "Prices at the farm gate are likely to fall as a result, which the cooperative welcomed as a chance to win back shoppers who had turned to imported fruit.",
            "Some of the surplus will go to a new juice press in the old creamery, which opened in March with a grant from the rural development fund.",
        ],
    ),
]
# Reached only through retries and redirects.
FLAKY = Article(
    "/retry/weather-station-keeps-recording.html",
    "Weather station keeps recording through the storm",
    [
        "The automatic weather station on the headland kept sending readings throughout the weekend storm, recording a gust of 142 kilometres an hour on Sunday morning.",
        "Meteorologists said it was the strongest gust measured on the coast since the station was installed in 2004, beating the previous record by eleven kilometres an hour.",
        "The station's solar panels were buried under sea spray for hours, but its backup battery lasted until the sun came out again on Monday afternoon.",
        "Engineers will inspect the mast this week. The readings are published every ten minutes on the meteorological office website and are used by the lifeboat crews.",
    ],
)
CHAINED = Article(
    "/news/2025/05/school-choir-wins-national-title.html",
    "School choir wins the national title at its first attempt",
    [
        "The choir of Millbrook primary school won the national schools championship on Saturday, the first time it has entered the competition.",
        "Its thirty-two singers, aged between eight and eleven, performed two folk songs and a piece written for them by their music teacher, Ruth Adeyemi.",
        "The judges praised the choir's clear diction and said the new piece was the most original work they had heard in the junior category for years.",
        "The school plans to use the prize money to buy a piano for its hall, replacing one that was damaged when the roof leaked during the winter.",
    ],
)
SESSION = Article(
    "/story/session-article.html",
    "Volunteers clear twelve tonnes of litter from the beaches",
    [
        "More than four hundred volunteers collected twelve tonnes of litter from the region's beaches on Sunday, the largest clean-up the coastal trust has organised.",
        "Fishing nets and ropes made up almost half of the weight, the trust said, while the most common single item was the plastic bottle cap.",
        "Groups of schoolchildren, divers and members of the rowing club worked along thirty kilometres of shore from the estuary to the cliffs at Ravenhead.",
        "The trust will send a sample of the rubbish to the university, where researchers are trying to trace where the plastic in the bay comes from.",
    ],
)
# Markup in the text: stored as text, and shown escaped, never run.
XSS = Article(
    "/news/2025/05/council-rejects-script-kiddie-bylaw.html",
    "Council rejects <script>alert('xss')</script> bylaw",
    [
        "The council on Wednesday rejected a proposed bylaw on public computer terminals after a debate that ran past midnight and ended in a tie broken by the mayor.",
        "Opponents said the text <img src=x onerror=alert(1)> was copied from another town's rules and made no sense for a library with only six machines.",
        "Supporters promised to bring a shorter version back in the autumn, after talking to the librarians who would have to enforce it every day.",
        "The library's opening hours and the rules for borrowing laptops stay as they are until then, the council's legal officer confirmed.",
    ],
)

INTL = [
    Article(
        "/intl/ru-most.html", "Городской совет одобрил строительство нового моста через реку",
        [
            "Городской совет в четверг одобрил план строительства нового пешеходного моста через реку, который соединит исторический центр с новым жилым районом на правом берегу.",
            "По словам главы комиссии по транспорту, работы начнутся весной следующего года и продлятся около восемнадцати месяцев. Стоимость проекта оценивается в сорок два миллиона рублей.",
            "Жители района давно просили о новом переходе: сейчас, чтобы попасть в центр, им приходится делать крюк почти в три километра через старый автомобильный мост.",
            "Архитекторы обещают, что мост будет освещён ночью, а на его середине появится смотровая площадка с видом на набережную и старую крепость.",
        ],
        encoding="windows-1251", content_type="text/html", lang="ru",
    ),
    Article(
        "/intl/ja-ferry.html", "港湾局が新しいフェリーターミナルの建設計画を承認",
        [
            "港湾局は木曜日、市の北側に新しいフェリーターミナルを建設する計画を正式に承認した。総工費はおよそ四十億円で、完成は二〇二七年の春を予定している。",
            "新しいターミナルには待合室や売店のほか、自転車の駐輪場や電気バスの乗り場も設けられる。現在の建物は五十年以上前に建てられたもので、老朽化が進んでいた。",
            "地元の商店街からは観光客の増加を期待する声が上がる一方、工事期間中の交通渋滞を心配する住民もいる。港湾局は説明会を来月開く予定だと話している。",
            "市長は記者会見で「港は町の玄関口であり、新しいターミナルは地域の経済を支える大切な施設になる」と述べた。",
        ],
        encoding="shift_jis", content_type="text/html", lang="ja",
    ),
    Article(
        "/intl/ko-park.html", "시의회, 구도심 공원 확장 계획 승인",
        [
            "시의회는 목요일 구도심에 있는 중앙공원을 두 배로 넓히는 계획을 승인했다. 공사는 내년 봄에 시작되어 약 이 년 동안 진행될 예정이다.",
            "새 공원에는 어린이 놀이터와 산책로, 작은 야외 공연장이 들어선다. 시는 공원 주변의 오래된 주차장을 철거하고 그 자리에 나무 삼백 그루를 심을 계획이다.",
            "주민들은 대체로 환영하는 분위기지만, 일부 상인들은 주차 공간이 줄어들면 손님이 줄어들 것이라고 걱정하고 있다. 시는 인근에 새 공영 주차장을 짓겠다고 밝혔다.",
        ],
        encoding="euc-kr", content_type="text/html", lang="ko",
    ),
    Article(
        "/intl/el-transport.html", "Το δημοτικό συμβούλιο ενέκρινε νέο σχέδιο για τις συγκοινωνίες",
        [
            "Το δημοτικό συμβούλιο ενέκρινε την Πέμπτη ένα νέο σχέδιο για τις αστικές συγκοινωνίες, το οποίο προβλέπει περισσότερα λεωφορεία και νέες ποδηλατικές διαδρομές στο κέντρο της πόλης.",
            "Σύμφωνα με τον αντιδήμαρχο, τα πρώτα ηλεκτρικά λεωφορεία θα κυκλοφορήσουν το φθινόπωρο, ενώ οι εργασίες για τους ποδηλατόδρομους θα ξεκινήσουν την άνοιξη.",
            "Οι κάτοικοι των βόρειων συνοικιών ζητούσαν εδώ και χρόνια συχνότερα δρομολόγια, καθώς σήμερα περιμένουν συχνά πάνω από μισή ώρα στη στάση.",
        ],
        encoding="iso-8859-7", content_type="text/html", lang="el",
    ),
    Article(
        "/intl/cs-namesti.html", "Radnice schválila opravu historického náměstí",
        [
            "Zastupitelstvo ve čtvrtek schválilo plán na opravu historického náměstí, které je už několik let v havarijním stavu. Práce začnou na jaře a potrvají přibližně dva roky.",
            "Podle místostarosty se vymění dlažba, opraví se kašna a přibudou nové lavičky a stromy. Náklady dosáhnou zhruba osmdesáti milionů korun, část pokryje dotace.",
            "Obchodníci z okolí se obávají, že stavba odradí zákazníky. Radnice proto slíbila, že vchody do obchodů zůstanou po celou dobu přístupné.",
        ],
        encoding="windows-1250", content_type="text/html", lang="cs",
    ),
]
# Bytes and <meta> agree; the HTTP header names another charset.
WRONG_HEADER_UTF8 = Article(
    "/intl/ru-biblioteka.html", "В городе открылась новая библиотека",
    [
        "В субботу в северном районе города открылась новая библиотека, построенная на месте бывшего кинотеатра. В ней собрано более тридцати тысяч книг.",
        "Директор библиотеки рассказала, что по вечерам здесь будут проходить лекции, встречи с писателями и занятия для пожилых людей, которые хотят освоить компьютер.",
        "Вход свободный, а записаться можно по паспорту. В первый же день читательские билеты получили почти четыреста человек, и очередь стояла до самого вечера.",
    ],
    encoding="windows-1251", content_type="text/html; charset=utf-8", lang="ru",
)
WRONG_HEADER_LATIN1 = Article(
    "/intl/cs-cyklostezka.html", "Nová cyklostezka spojí město s přehradou",
    [
        "Kraj v úterý podepsal smlouvu na stavbu nové cyklostezky, která povede podél řeky až k přehradě. Trasa bude dlouhá čtrnáct kilometrů a většina z ní povede lesem.",
        "Stavbaři chtějí začít v květnu a hotovo by mělo být do konce příštího roku. Na stezce vzniknou odpočívadla, informační tabule o přírodě a dvě nové lávky přes potoky.",
        "Cyklisté projekt vítají, protože dosud musejí jezdit po frekventované silnici, kde v posledních letech došlo k několika vážným nehodám.",
    ],
    encoding="windows-1250", content_type="text/html; charset=iso-8859-1", lang="cs",
)
ENCODED = [*INTL, WRONG_HEADER_UTF8, WRONG_HEADER_LATIN1]
ARTICLES = [*EN, FLAKY, CHAINED, SESSION, XSS, *ENCODED]

_META_CHARSET = {"windows-1251": "windows-1251", "shift_jis": "Shift_JIS", "euc-kr": "EUC-KR",
                 "iso-8859-7": "ISO-8859-7", "windows-1250": "windows-1250", "utf-8": "utf-8"}


def article_html(art: Article, extra_links: str = "") -> bytes:
    paras = "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in art.paragraphs)
    title = escape(art.title)
    html = f"""<!DOCTYPE html>
<html lang="{art.lang}">
<head>
<meta charset="{_META_CHARSET[art.encoding]}">
<title>{title}</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2025-05-14T09:30:00+00:00">
<meta name="author" content="Hostile Desk">
</head>
<body>
<header><a href="/">The Hostile Gazette</a></header>
<article>
<h1>{title}</h1>
<p class="byline">By Hostile Desk, 14 May 2025</p>
{paras}
</article>
{extra_links}
</body>
</html>
"""
    return html.encode(art.encoding)


# --- hostile discovery documents ------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{{base:hostile}}/laughs/&lol9;</loc></url>
</urlset>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [
 <!ENTITY probe SYSTEM "{{base:hostile}}/xxe-probe">
 <!ENTITY passwd SYSTEM "file:///etc/passwd">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{{base:hostile}}/xxe/&passwd;</loc></url>
<url><loc>&probe;</loc></url>
</urlset>
"""

MALFORMED = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{{base:hostile}}/news/never</loc><url></lastmod>
<<<< not xml at all &&&
"""


def sitemap(urls: list[str]) -> bytes:
    entries = "\n".join(f"<url><loc>{{{{base:{SITE}}}}}{u}</loc></url>" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}\n</urlset>\n').encode()


# Links on the homepage, by what they test. Paths under routes are served by install_routes.
METADATA_REFRESH = "http://169.254.169.254/latest/user-data"
METADATA_NAME = "metadata.cloud-provider.example"
FAKE_DNS = f"{METADATA_NAME}=169.254.169.254"
LONG_URL = "/x/" + "a" * 2100
DEEP_URL = "/deep/" + "/".join(f"d{i}" for i in range(1, 21)) + "/"
HOME_LINKS = {
    "articles": [a.path for a in ARTICLES if a not in (CHAINED, SESSION)] + [
        "/chain/1", SESSION.path + ";jsessionid=0123456789ABCDEFXYZ",
        SESSION.path + "?PHPSESSID=abcdef0123456789abcdef01",
    ],
    "http errors": ["/fail/500", "/fail/404", "/fail/410", "/fail/dropped"],
    "slow": ["/slow/never-answers"],
    "redirects": ["/loop/a", "/inf/1", "/ssrf/metadata", "/ssrf/private", "/ssrf/file", "/ssrf/meta-refresh",
                  "/ssrf/dns-name"],
    "size": ["/big/declared", "/big/streamed", "/bomb/gzip", "/bomb/brotli"],
    # No .pdf/.jpg extension: Scrapy's link extractor would not even follow those.
    "not html": ["/files/report", "/files/photo", "/api/data.json", "/odd/pdf-as-html"],
    "bad bodies": ["/odd/empty", "/odd/random-bytes", "/odd/truncated.html"],
    "extraction": ["/boom/raise.html", "/boom/hang.html"],
    "traps": ["/calendar/2025/05/", "/archive?page=1", LONG_URL, DEEP_URL, "/loopy/"],
}


def homepage() -> bytes:
    sections = []
    for name, links in HOME_LINKS.items():
        items = "\n".join(f'<li><a href="{u}">{name} {i}</a></li>' for i, u in enumerate(links))
        sections.append(f"<h2>{name}</h2>\n<ul>\n{items}\n</ul>")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>The Hostile Gazette</title></head>\n"
            "<body><h1>The Hostile Gazette</h1>\n" + "\n".join(sections) + "\n</body></html>\n").encode()


def build_site(root: Path) -> Path:
    """Write the static files of the hostile site under ``root``; returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_bytes(homepage())
    (root / "robots.txt").write_text(
        "User-agent: *\nDisallow: /private/\n\n"
        f"Sitemap: {{{{base:{SITE}}}}}/sitemap.xml\n"
        f"Sitemap: {{{{base:{SITE}}}}}/sitemap-laughs.xml\n"
        f"Sitemap: {{{{base:{SITE}}}}}/sitemap-xxe.xml\n"
        f"Sitemap: {{{{base:{SITE}}}}}/sitemap-broken.xml\n"
    )
    (root / "sitemap.xml").write_bytes(sitemap([a.path for a in EN if a.in_sitemap]))
    (root / "sitemap-laughs.xml").write_bytes(BILLION_LAUGHS)
    (root / "sitemap-xxe.xml").write_bytes(XXE)
    (root / "sitemap-broken.xml").write_bytes(MALFORMED)
    headers: dict[str, dict[str, str]] = {}
    for art in [*EN, CHAINED, XSS, *ENCODED]:
        path = root / art.path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(article_html(art))
        headers[art.path] = {"Content-Type": art.content_type}
    (root / "odd").mkdir(exist_ok=True)
    full = article_html(EN[0])
    (root / "odd" / "truncated.html").write_bytes(full[: len(full) // 2])
    (root / "_headers.json").write_text(json.dumps(headers))
    return root


# --- dynamic routes -------------------------------------------------------------------


@dataclass
class Bombs:
    gzip: bytes  # inflates to gzip_size bytes
    gzip_size: int
    brotli: bytes
    brotli_size: int


def make_bombs(gzip_gib: int = 3, brotli_gib: int = 1) -> Bombs:
    """A gzip body of a few MB and a brotli body of a few KB that inflate to GBs of zeros."""
    chunk = bytes(1 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)  # identical for every further MB
    n = gzip_gib * 1024
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    trailer = crc.to_bytes(4, "little") + (n * len(chunk) & 0xFFFFFFFF).to_bytes(4, "little")
    # co.flush() would end the stream with the CRC of only the data it saw: after the
    # repeated blocks, end with a final block and the trailer for all n MB.
    gz = head + block * (n - 2) + _final_deflate_block(chunk) + trailer
    bc = brotli.Compressor(quality=5, lgwin=24)
    parts = [bc.process(chunk) for _ in range(brotli_gib * 1024)]
    parts.append(bc.finish())
    return Bombs(gz, n * len(chunk), b"".join(parts), brotli_gib * 1024 * len(chunk))


def _final_deflate_block(chunk: bytes) -> bytes:
    # A raw deflate stream of `chunk` (fresh dictionary: the previous block ended with a
    # full flush) whose last block has BFINAL set.
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(chunk) + co.flush()


class Counter:
    """Thread-safe counters for route handlers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, int] = {}

    def inc(self, key: str, n: int = 1) -> int:
        with self.lock:
            self.values[key] = self.values.get(key, 0) + n
            return self.values[key]

    def get(self, key: str) -> int:
        with self.lock:
            return self.values.get(key, 0)


@dataclass
class Routes:
    counters: Counter = field(default_factory=Counter)
    # The page that never answers answers only once this is set (after the crawl).
    release: threading.Event = field(default_factory=threading.Event)


def _random_bytes(n: int, seed: int = 7) -> bytes:
    import random

    rnd = random.Random(seed)
    return bytes(rnd.getrandbits(8) for _ in range(n))


def install_routes(server: SiteServer, bombs: Bombs) -> Routes:
    """The dynamic part of the hostile site. Returns counters the handlers keep, and
    the event that lets the page that never answers answer (set it when done)."""
    state = Routes()
    c = state.counters
    add = server.add_route

    def flaky(req: RequestRecord) -> Response:
        if c.inc("flaky") <= 2:
            return Response(503, body="<h1>Service unavailable</h1>")
        return Response(200, body=article_html(FLAKY))

    add(SITE, FLAKY.path, flaky)
    add(SITE, "/fail/500", lambda r: Response(500, body="<h1>Internal error</h1>"))
    add(SITE, "/fail/404", lambda r: Response(404, body="<h1>Not found</h1>"))
    add(SITE, "/fail/410", lambda r: Response(410, body="<h1>Gone</h1>"))

    def dropped(req: RequestRecord) -> Response:
        def body() -> Iterator[bytes]:
            yield b"<html><body><p>half a page"
            raise ConnectionResetError("hang up mid-body")

        return Response(200, {"Content-Length": "100000"}, body())

    add(SITE, "/fail/dropped", dropped)
    def slow(req: RequestRecord) -> Response:
        c.inc("slow")  # the request log records a request only once it is answered
        state.release.wait(600)
        c.inc("slow_answered")
        return Response(200, body="<p>too late</p>")

    add(SITE, "/slow/never-answers", slow)

    # Redirects: a chain that ends in an article, a loop, an endless chain, SSRF targets.
    add(SITE, "/chain/1", lambda r: Response.redirect("/chain/2", 301))
    add(SITE, "/chain/2", lambda r: Response.redirect("/chain/3", 302))
    add(SITE, "/chain/3", lambda r: Response.redirect(CHAINED.path, 307))
    add(SITE, "/loop/a", lambda r: Response.redirect("/loop/b"))
    add(SITE, "/loop/b", lambda r: Response.redirect("/loop/a"))
    add(SITE, "/inf/*", lambda r: Response.redirect(f"/inf/{int(r.url_path.rsplit('/', 1)[1]) + 1}"))
    add(SITE, "/ssrf/metadata", lambda r: Response.redirect("http://169.254.169.254/latest/meta-data/"))
    add(SITE, "/ssrf/private", lambda r: Response.redirect("http://10.0.0.1/admin"))
    add(SITE, "/ssrf/file", lambda r: Response.redirect("file:///etc/passwd"))
    # a public-looking name that resolves (NEWSCRAWL_TEST_FAKE_DNS) to cloud metadata
    add(SITE, "/ssrf/dns-name", lambda r: Response.redirect(f"http://{METADATA_NAME}/latest/meta-data/"))
    add(SITE, "/ssrf/meta-refresh", lambda r: Response(200, body=(
        f'<html><head><meta http-equiv="refresh" content="0; url={METADATA_REFRESH}"></head>'
        '<body>Moved</body></html>')))

    # Size: a declared huge body, an endless streamed one, compression bombs.
    def declared(req: RequestRecord) -> Response:
        def body() -> Iterator[bytes]:
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            for _ in range(1600):  # 100 MB, if anyone read it
                c.inc("declared_bytes", len(chunk))
                yield chunk

        return Response(200, {"Content-Length": str(1600 * 65537)}, body())

    def streamed(req: RequestRecord) -> Response:
        def body() -> Iterator[bytes]:
            chunk = b"<p>" + b"y" * 65530 + b"</p>"
            while True:  # never ends: only a size limit stops it
                c.inc("streamed_bytes", len(chunk))
                yield chunk

        return Response(200, {}, body())

    add(SITE, "/big/declared", declared)
    add(SITE, "/big/streamed", streamed)
    add(SITE, "/bomb/gzip", lambda r: Response(200, {"Content-Encoding": "gzip"}, bombs.gzip))
    add(SITE, "/bomb/brotli", lambda r: Response(200, {"Content-Encoding": "br"}, bombs.brotli))

    # Not HTML, and bad bodies labelled HTML.
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + _random_bytes(4000, 1) + b"\n%%EOF\n"
    jpg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + _random_bytes(4000, 2)
    add(SITE, "/files/report", lambda r: Response(200, {"Content-Type": "application/pdf"}, pdf))
    add(SITE, "/files/photo", lambda r: Response(200, {"Content-Type": "image/jpeg"}, jpg))
    add(SITE, "/api/data.json", lambda r: Response(
        200, {"Content-Type": "application/json"}, json.dumps({"title": "not an article", "body": "x" * 2000})))
    add(SITE, "/odd/pdf-as-html", lambda r: Response(200, {"Content-Type": "text/html"}, pdf))
    add(SITE, "/odd/empty", lambda r: Response(200, {"Content-Type": "text/html; charset=utf-8"}, b""))
    add(SITE, "/odd/random-bytes", lambda r: Response(200, {"Content-Type": "text/html"}, _random_bytes(20000, 3)))

    # Extraction faults (see SITECUSTOMIZE): raise, and hang past the time budget.
    add(SITE, "/boom/raise.html", lambda r: Response(200, body=article_html(EN[2]).replace(b"cherry", b"plum")))
    add(SITE, "/boom/hang.html", lambda r: Response(200, body=article_html(EN[1]).replace(b"lighthouse", b"mill")))

    # Session IDs: every visit links to the same article with a fresh session ID.
    def session(req: RequestRecord) -> Response:
        n = c.inc("session")
        links = (f'<a href="{SESSION.path};jsessionid=S{n:04d}ABCDEF0123456789">again</a>'
                 f'<a href="{SESSION.path}?PHPSESSID=p{n:04d}abcdef0123456789abcd">and again</a>')
        return Response(200, body=article_html(SESSION, links))

    add(SITE, SESSION.path, session)
    add(SITE, SESSION.path + ";*", session)

    # Traps: an endless calendar (month pages link day pages and both neighbours),
    # endless pagination, and a relative-link loop.
    def calendar(req: RequestRecord) -> Response:
        parts = [p for p in req.url_path.split("/") if p][1:]
        year, month = int(parts[0]), int(parts[1])
        prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
        next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
        days = "".join(f'<a href="/calendar/{year}/{month:02d}/{d:02d}/">{d}</a> ' for d in range(1, 29))
        body = (f'<html><body><h1>Events {year}-{month:02d}</h1>'
                f'<a href="/calendar/{prev_y}/{prev_m:02d}/">previous</a> '
                f'<a href="/calendar/{next_y}/{next_m:02d}/">next</a><p>{days}</p></body></html>')
        return Response(200, body=body)

    add(SITE, "/calendar/*", calendar)

    def archive(req: RequestRecord) -> Response:
        page = int(req.query.get("page", ["1"])[0])
        return Response(200, body=f'<html><body><h1>Archive page {page}</h1>'
                                  f'<a href="/archive?page={page + 1}">next page</a></body></html>')

    add(SITE, "/archive", archive)
    add(SITE, "/loopy/*", lambda r: Response(200, body='<html><body><a href="loopy/">deeper</a></body></html>'))
    add(SITE, "/xxe-probe", lambda r: Response(200, body="<p>XXE fetched me</p>"))
    return state


_HELD_PORTS: list[socket.socket] = []


def closed_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (connection refused).

    The port stays bound, without listening, for the rest of the test session:
    a port merely released could be handed to the next server started on
    port 0 (or to a connection's own source port, which then connects to
    itself), and the "refused" host would answer.
    """
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    _HELD_PORTS.append(s)
    return int(s.getsockname()[1])


# --- the crawl subprocess ------------------------------------------------------------

SITECUSTOMIZE = '''
import os

_log = os.environ.get("NEWSCRAWL_TEST_CONNECT_LOG")
if _log:
    import socket

    _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex

    def _record(address):
        if isinstance(address, tuple):
            with open(_log, "a") as f:
                f.write(f"{address[0]} {address[1]}\\n")

    def connect(self, address):
        _record(address)
        return _connect(self, address)

    def connect_ex(self, address):
        _record(address)
        return _connect_ex(self, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex

_fake_dns = os.environ.get("NEWSCRAWL_TEST_FAKE_DNS")  # "name=ip,name=ip"
if _fake_dns:
    import socket

    _names = dict(pair.split("=", 1) for pair in _fake_dns.split(","))
    _gethostbyname, _getaddrinfo = socket.gethostbyname, socket.getaddrinfo

    def gethostbyname(name):
        return _names.get(name) or _gethostbyname(name)

    def getaddrinfo(host, *args, **kwargs):
        return _getaddrinfo(_names.get(host, host), *args, **kwargs)

    socket.gethostbyname = gethostbyname
    socket.getaddrinfo = getaddrinfo

if os.environ.get("NEWSCRAWL_TEST_FAULTS"):
    import time
    import crawler.ingest.analysis as _analysis

    _analyze = _analysis.analyze_page

    def analyze_page(html, url, headers=None):
        if "/boom/raise" in url:
            raise RuntimeError("injected extraction fault")
        if "/boom/hang" in url:
            time.sleep(600)
        return _analyze(html, url, headers)

    _analysis.analyze_page = analyze_page
'''


def write_sitecustomize(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return directory


@dataclass
class MeasuredRun:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    max_rss_mb: float  # peak resident memory of the crawl process or any of its children
    elapsed: float

    def describe(self) -> str:
        return (f"$ {' '.join(self.args)}\n--- exit {self.returncode} after {self.elapsed:.1f}s\n"
                f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr[-6000:]}")


def run_measured(args: list[str], cwd: Path, env_extra: dict[str, str], timeout: float = 120) -> MeasuredRun:
    """Run ``python -m crawler.cli ARGS`` and report its peak memory (``wait4``)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(env_extra)
    cmd = [sys.executable, "-m", "crawler.cli", *args]
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    return MeasuredRun(cmd, proc.returncode, out_path.read_text(errors="replace"),
                       err_path.read_text(errors="replace"), usage.ru_maxrss / 1024, time.monotonic() - started)


def connect_log(path: Path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        host, _, port = line.rpartition(" ")
        out.append((host, int(port)))
    return out


def reasons(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {r["url"]: r["reason"] for r in rows}
