"""Collect author names from JSON-LD, ``<meta>`` and bylines, and clean them.

Cleaning drops what bylines carry besides names ("By", "Von", "Autor:", e-mails,
URLs, job titles, a trailing dateline place), splits "A and B" / "A, B" / "A und B",
and drops the publisher's own name when real people are credited alongside it.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.domains import is_domain_name
from crawler.extraction.marks import marked_elements
from crawler.extraction.metadata import PageMeta, is_type, text_of
from crawler.extraction.titles import clean_text, fold

ORG_TYPES = frozenset({"organization", "newsmediaorganization", "corporation",
                       "educationalorganization", "governmentorganization", "ngo"})
# agencies are legitimate authors (and often lower-case); never mistaken for places
AGENCIES = frozenset(fold(a) for a in (
    "dpa", "afp", "ap", "reuters", "kna", "epd", "sid", "apa", "sda", "efe", "ansa", "upi",
    "pa", "dpa-afx", "ddp", "ots", "tass", "anadolu", "associated press", "bloomberg",
    "keystone-sda", "belga", "anp", "ntb", "tt", "ritzau", "pap", "ctk", "mti", "xinhua",
    "kyodo", "yonhap", "aa", "dts", "afp deutschland", "agence france-presse",
    "deutsche presse-agentur", "austria presse agentur", "press association",
    "evangelischer pressedienst", "katholische nachrichten-agentur", "kyodo news",
    "anadolu agency", "anadolu ajansı", "xinhua news agency", "agenzia nova", "europa press",
    "united press international", "agencia efe", "thomson reuters", "ap news",
    "the associated press", "tass news agency", "ukrinform", "interfax", "ria novosti",
    "yonhap news agency", "pti", "ani", "ians", "press trust of india"))
_PREFIX = re.compile(
    r"^(?:(?:(?:written|reported|posted|text|story|words|photos?)\s+)?(?:by|von|par|por)\b\s*:?"
    r"|(?:autor(?:in|en|innen)?|authors?|text|texto|quelle|source|автор(?:ка|и|ы)?"
    r"|redaktion\s+und\s+text)\s*:"
    r"|(?:di|door|av|af|od|de|från|от|автор)\s"
    r"|(?:autor(?:in)?|author|auteur|autore|autora)\s+(?=\S))\s*",
    re.I)
# an action word and "by" before the name, after a few other words: "erstellt von X",
# "Zeige alle Beiträge von X", "Revised Edition Edited by X", "Artikel von: X"
_ACTION_BY = re.compile(
    r"^.{0,40}?\b(?:erstellt|veröffentlicht|geschrieben|verfasst|publiziert|gepostet|"
    r"eingestellt|beitrag|beiträge|artikel|posted|written|edited|published|created|compiled|"
    r"reported|"
    r"curated|publié|écrit|rédigé|publicado|escrito|pubblicato|scritto)\s+(?:\w+\s+)?"
    r"(?:von|by|par|por|da|di|door)\s*:?\s+(?=\S)", re.I)
# labelled parts of a credit line ("Text und Interview: A Foto: B"): authors are credited
# for the words; pictures, graphics and sources are not authorship
_CREDIT_LABEL = re.compile(r"(?:^|(?<=\s))([^\W\d_]+(?:\s+(?:und|and|&|et|y|e)\s+[^\W\d_]+)?)"
                           r"\s*:\s*")
_WORD_LABELS = frozenset(fold(w) for w in (
    "text", "texte", "texto", "testo", "tekst", "текст", "interview", "interviews", "autor",
    "autorin", "autoren", "author", "authors", "auteur", "auteurs", "autore", "autori",
    "redaktion", "reporter", "reportage", "recherche", "mitarbeit", "von", "by", "writer",
    "words", "story", "bericht", "artikel", "article"))
_PICTURE_LABELS = frozenset(fold(w) for w in (
    "foto", "fotos", "photo", "photos", "bild", "bilder", "fotografie", "photography",
    "illustration", "illustrationen", "illustrations", "grafik", "grafiken", "graphics",
    "infografik", "video", "videos", "kamera", "camera", "schnitt", "quelle", "source",
    "fotograf", "fotografin", "photographer", "titelbild", "cover", "animation"))
# short prefixes that are also name particles ("Di Maio", "De Vries") only count lower-case
_PARTICLE_PREFIX = frozenset({"di", "door", "av", "af", "od", "de", "från", "от"})
_SPLIT = re.compile(
    r"\s*(?:[,;|\n•·]|\s(?:and|und|&|et|y|e|og|och|en|i|и|та|і|ve|és|a|ja|oraz|und\s+von)\s)"
    r"\s*", re.I)
_DESK = re.compile(r"\b(?:redaktion|rédaction|redacción|redazione|redactie|staff|newsroom|desk|"
                   r"team|editors|editorial)\b", re.I)
_PAREN = re.compile(r"\s*[(\[][^)\]]{0,40}[)\]]")
# bare domains ("ndr.de") stay: publishers credit themselves that way
_URLISH = re.compile(r"https?://|www\.|@|/\w+/|\.html?\b", re.I)
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")
_JOB_WORDS = frozenset(fold(w) for w in (
    "journalist", "journalistin", "reporter", "reporterin", "editor", "redakteur", "redakteurin",
    "korrespondent", "korrespondentin", "correspondent", "photographer", "fotograf",
    "fotografin", "chefredakteur", "chefredakteurin", "staff writer", "senior writer",
    "contributor", "columnist", "kolumnist", "kolumnistin", "autor", "autorin", "author",
    "writer", "producer", "editor-in-chief", "news editor", "senior editor", "video",
    "foto", "photo", "fotos", "photos", "text", "grafik", "graphics", "illustration",
    "update", "updated", "aktualisiert", "published", "veröffentlicht", "mehr", "more",
    "follow", "folgen", "share", "teilen", "about", "twitter", "facebook", "instagram",
    "linkedin", "email", "e-mail", "kontakt", "contact", "profile", "profil", "bio",
    "see all", "alle artikel", "view all posts", "articles", "artikel", "by", "von",
    "posted", "publiziert am", "veröffentlicht am", "published on", "erstellt am",
    "geschrieben am", "name", "unknown", "unbekannt", "inconnu", "anonym", "anonymous",
    "guest", "gast"))
# words of page controls and reader comments, never of a person's name: "Afficher mon
# profil complet", "Harm Otten sagt"
_UI_WORDS = frozenset(fold(w) for w in (
    "profil", "profile", "beiträge", "posts", "artikel", "articles", "kommentar", "kommentare",
    "comment", "comments", "sagt", "said", "says", "schreibt", "writes", "afficher", "zeige"))
# role words written before or after a name in bylines, in scripts with and without spaces
# ("홍길동 기자", "记者 张三", "Jane Doe Reporter"): not part of the name
_CJK_ROLES = ("선임기자", "객원기자", "수습기자", "기자", "특파원", "논설위원", "편집위원", "앵커",
              "記者", "特派員", "编辑", "记者", "通讯员", "特约记者", "實習記者", "记者站")
_CJK_ROLE_SUFFIX = re.compile("(?:" + "|".join(sorted(map(re.escape, _CJK_ROLES), key=len,
                                                         reverse=True)) + r")\s*$")
_CJK_ROLE_PREFIX = re.compile(r"^\s*(?:" + "|".join(sorted(map(re.escape, _CJK_ROLES), key=len,
                                                           reverse=True)) + r")\s*[:：]?\s*")
# a time or date written after a byline name: "Kyle Wiggers 7 hours", "Jane Doe 2 days ago",
# "Max Muster vor 3 Stunden", "Jane Doe Updated March 27, 2025"
_TIME_UNITS = (r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|months?|years?|"
               r"sekunden?|minuten?|min\.?|stunden?|std\.?|tagen?|wochen?|monaten?|jahren?|"
               r"heures?|jours?|semaines?|mois|ans?|horas?|días?|ore|giorni|"
               r"timer?|dager?|dagar|tim(?:mar)?|minutter|uur|dagen)")
# whole weekday words only: a prefix with any letters after it ate names ("Jane Doe,
# 04.05.2024" read "Doe" as "Do[nnerstag]" and left "Jane")
_WEEKDAYS = (r"(?:mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|"
             r"sat(?:urday)?|sun(?:day)?|mo(?:ntag)?|di(?:enstag)?|mi(?:ttwoch)?|"
             r"do(?:nnerstag)?|fr(?:eitag)?|sa(?:mstag)?|so(?:nntag)?|lun(?:di)?|mar(?:di)?|"
             r"mer(?:credi)?|jeu(?:di)?|ven(?:dredi)?|sam(?:edi)?|dim(?:anche)?)(?![^\W\d_])")
_TIME_TAIL = re.compile(
    r"(?:^|(?<=\s)|(?<=[,·•|–—-]))\s*(?:(?:vor|il y a|hace|fa|for)\s+)?(?:\d+\s*|(?:an?|one)\s+)"
    + _TIME_UNITS + r"\b\.?(?:\s+(?:ago|siden|sedan|geleden|fa))?\s*$", re.I)
_DATE_TAIL = re.compile(
    r"\s*[,·•|–—-]?\s*(?:(?:updated|published|posted|aktualisiert|veröffentlicht|am|on)\s*:?\s*)?"
    r"(?:(?<![^\W\d_])" + _WEEKDAYS + r"\.?,?\s+)?"
    r"(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"[A-Za-zäéû]+\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\.?\s+[A-Za-zäéû]+\.?,?\s+\d{4})"
    r"(?:,?\s+\d{1,2}[:.]\d{2}(?:\s*(?:am|pm|uhr))?)?\s*$", re.I)

# reading time shown in the byline row: "Jane Doe · 5 min read", "5 Min. Lesezeit"
_READ_TIME = re.compile(
    r"(?:^|(?<=\s)|(?<=[,·•|–—-]))\s*(?:\d+\s*(?:min(?:ute)?s?|minuten|minutter)\.?\s*"
    r"(?:read|reading|lesezeit|lesedauer|de lecture|de lectura|di lettura|leestijd|lesetid|"
    r"läsning|lästid)|(?:reading time|lesezeit|lesedauer|temps de lecture|tiempo de lectura|"
    r"leestijd)\s*:?\s*\d+\s*(?:min(?:ute)?s?|minuten)?\.?)\s*$", re.I)
# a day named relatively, with or without a time: "Jane Doe Yesterday", "Max Muster heute, 12:30"
_DAY_TAIL = re.compile(
    r"(?:^|(?<=\s)|(?<=[,·•|–—-]))\s*(?:today|yesterday|heute|gestern|vorgestern|"
    r"aujourd'hui|vandaag|gisteren|i dag|i går|idag|igår|ieri|tänään|eilen)"
    r"(?:\s*,?\s*(?:at|um|à|om|kl\.?)?\s*\d{1,2}[:.]\d{2}(?:\s*(?:am|pm|uhr|h))?)?\s*$", re.I)
# a publication stamp after the name runs to the end of the line: "Jane Doe Published 3:45
# PM EST, Mon March 4, 2024", "Jane Doe Aktualisiert am 04.05.2024", "Jane Doe Published: 3 hours ago"
_STAMP = re.compile(
    r"\s*[,·•|–—-]?\s*\b(?:(?:last\s+)?updated|published|posted|aktualisiert|veröffentlicht|"
    r"publié(?:\s+le)?|mis à jour|publicado|actualizado|pubblicato|aggiornato|gepubliceerd|"
    r"bijgewerkt|publisert|oppdatert|publicerad|uppdaterad)\b(?:\s*(?:am|on|le|el|il|op)\b)?"
    r"\s*:?\s*(?=\d|$|[A-Za-zäéû]+\.?\s+\d|(?:mon|tue|wed|thu|fri|sat|sun)\w*\b|"
    r"(?:today|yesterday|heute|gestern)\b|(?:vor|il y a|hace)\s+\d)", re.I)
# credits for other work than the words, after the writer: "Written by A | Edited by B"
_OTHER_CREDIT = re.compile(
    r"\s*[,;|·•/–—-]?\s*\b(?:edited|reviewed|fact[- ]?checked|illustrated|photographed|"
    r"redigiert|lektoriert|bearbeitet|relu|édité|revisado|editado)\s+(?:by|von|par|por)\b.*$",
    re.I | re.S)
# contact details written after a name: "홍길동 기자 hong@example.co.kr", "Jane Doe @janedoe"
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@])@\w{2,}")
# links and buttons of the byline row read as words after the name: "Jane Doe Twitter"
_CONTROL_TAIL = frozenset(fold(w) for w in (
    "twitter", "facebook", "instagram", "linkedin", "email", "e-mail", "mail", "follow",
    "folgen", "suivre", "seguir", "segui", "volgen", "rss", "whatsapp", "telegram", "bluesky",
    "mastodon", "threads", "tiktok", "youtube"))


def _day_tail(m: re.Match[str]) -> str:
    """Drop a relative day after a name, unless it is a brand's upper-case word ("USA
    TODAY") or no full name would be left ("Chris Today")."""
    if m.group(0).strip().isupper() or len(m.string[: m.start()].split()) < 2:
        return m.group(0)
    return ""


def _strip_role_and_time(name: str) -> str:
    """Drop a time, date or role word glued to a name ("Kyle Wiggers 7 hours")."""
    for _ in range(2):
        before = name
        name = _TIME_TAIL.sub("", name)
        name = _DATE_TAIL.sub("", name)
        name = _DAY_TAIL.sub(_day_tail, _READ_TIME.sub("", name))
        stripped = _CJK_ROLE_PREFIX.sub("", _CJK_ROLE_SUFFIX.sub("", name)).strip()
        if len(stripped) >= 2:
            name = stripped
        words = name.split()
        if words and all(fold(w) in _ROLE_WORDS or fold(w) in _JOB_WORDS for w in words):
            return ""
        # "Digital Producer", "Senior Health Reporter": a job title ends in a job noun
        if words and fold(words[-1]) in _ROLE_NOUNS and all(
                fold(w) in _ROLE_WORDS or fold(w) in _ROLE_MODIFIERS or fold(w) in _JOB_WORDS
                or w.lower() in ("of", "for", "and", "at", "&") for w in words):
            return ""
        kept = list(words)
        while len(kept) > 1 and fold(kept[-1]) in _CONTROL_TAIL:
            kept.pop()
        if len(kept) > 2 and fold(kept[-1]) in _ROLE_NOUNS:
            while len(kept) > 2 and (fold(kept[-1]) in _ROLE_WORDS or
                                     fold(kept[-1]) in _ROLE_MODIFIERS or
                                     fold(kept[-1]) in _ROLE_NOUNS):
                kept.pop()
        while len(kept) > 1 and fold(kept[-1]) in _ROLE_WORDS:
            kept.pop()
        while len(kept) > 1 and fold(kept[0]) in _ROLE_WORDS:
            kept.pop(0)
        # "MND Staff", "Guardian staff reporter": without the role words no person is left
        if len(kept) >= 2 or (words and not words[0][:1].isascii()):
            words = kept
        name = " ".join(words).strip(" ,.:-–—|·•/")
        if name == before:
            break
    return name.strip(" ,.:-–—|·•/")


_ROLE_WORDS = frozenset(fold(w) for w in (
    "reporter", "reporterin", "correspondent", "korrespondent", "korrespondentin",
    "journalist", "journalistin", "redakteur", "redakteurin", "editor", "columnist",
    "kolumnist", "kolumnistin", "photographer", "fotograf", "fotografin", "contributor",
    "writer", "autor", "autorin", "author", "corresponsal", "periodista", "redattore",
    "giornalista", "journaliste", "rédacteur", "rédactrice", "envoyé", "envoyée",
    "spécial", "special", "senior", "staff", "chief", "political", "foreign", "business",
    "sports"))
# the noun that ends a job title, and the words that qualify it ("Senior Health Reporter",
# "Digital Producer", "Associate Editor"): qualifiers count only before such a noun
_ROLE_NOUNS = frozenset(fold(w) for w in (
    "reporter", "reporterin", "correspondent", "korrespondent", "korrespondentin", "journalist",
    "journalistin", "redakteur", "redakteurin", "editor", "editors", "columnist", "kolumnist",
    "kolumnistin", "photographer", "contributor", "writer", "producer", "analyst",
    "commentator", "presenter", "anchor", "critic", "corresponsal", "periodista", "redattore",
    "giornalista", "journaliste", "rédacteur", "rédactrice", "reporteur", "intern",
    "reporters", "correspondents", "journalists", "writers", "producers", "columnists",
    "contributors", "photographers", "analysts", "journalistes", "periodistas"))
_ROLE_MODIFIERS = frozenset(fold(w) for w in (
    "senior", "junior", "chief", "deputy", "associate", "assistant", "managing", "executive",
    "contributing", "investigative", "political", "foreign", "business", "sports", "health",
    "science", "technology", "tech", "climate", "economics", "economic", "economy", "digital",
    "national", "international", "education", "crime", "legal", "entertainment", "culture",
    "arts", "data", "video", "global", "environment", "environmental", "energy", "finance",
    "financial", "markets", "politics", "diplomatic", "defence", "defense", "security",
    "medical", "local", "regional", "metro", "breaking", "news", "world", "features", "feature",
    "opinion", "travel", "food", "music", "film", "fashion", "lifestyle", "social", "affairs",
    "media", "staff", "special", "freelance", "freier", "freie", "leitender", "leitende",
    "stellvertretender", "stellvertretende", "online", "web", "social media", "copy", "night",
    "weekend", "audience", "engagement", "multimedia", "visual", "graphics", "photo"))
_META_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author",
                     "dc.creator", "dcterms.creator", "byl", "og:article:author",
                     "article:author_name", "cxenseparse:author")
MAX_AUTHORS = 20
MAX_NAME_CHARS = 60


def _resolve(value: Any, index: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and "@id" in value and not value.get("name"):
        return index.get(str(value["@id"]), value)
    return value


def jsonld_authors(pm: PageMeta) -> list[tuple[str, bool]]:
    """(name, is_organisation) pairs from the article's JSON-LD author/creator."""
    if not pm.article:
        return []
    index = {str(o["@id"]): o for o in pm.jsonld if isinstance(o.get("@id"), str)}
    # Yoast-style graphs keep Person objects untyped-by-reference: index those too
    raw = pm.article.get("author") or pm.article.get("creator")
    out: list[tuple[str, bool]] = []
    for item in raw if isinstance(raw, list) else [raw]:
        item = _resolve(item, index)
        if isinstance(item, str):
            out.append((item, False))
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = ", ".join(n for n in name if isinstance(n, str))
            if not isinstance(name, str) or not name.strip():
                given, family = item.get("givenName"), item.get("familyName")
                name = " ".join(p for p in (given, family) if isinstance(p, str))
            if name and name.strip():
                out.append((name, is_type(item, ORG_TYPES)))
    return out


def _strip_prefix(text: str) -> str:
    m = _PREFIX.match(text)
    if not m:
        return text
    word = m.group(0).strip().rstrip(":").strip()
    if word.casefold() in _PARTICLE_PREFIX and word != word.lower():
        return text
    return text[m.end():]


def _strip_job_suffix(name: str) -> str:
    # "Mathias Hagen / Journalist", "Jane Doe - Senior Editor"
    for sep in (" / ", " - ", " – ", " | "):
        if sep in name:
            head, _, tail = name.partition(sep)
            if fold(tail) in _JOB_WORDS or len(tail.split()) <= 3 and any(
                    fold(w) in _JOB_WORDS for w in tail.split()):
                return head
    return name


_ACCOUNT_NAMES = frozenset(fold(w) for w in (
    "admin", "administrator", "administrateur", "webmaster", "site admin", "siteadmin",
    "wpadmin", "root", "superuser", "user", "editor"))


def _is_account(name: str) -> bool:
    """A CMS account's name, not a byline: "admin", "webmaster".  (Lower-case logins are
    not all accounts: some sites sign with their reporters' short codes, "kesm".)"""
    return fold(name) in _ACCOUNT_NAMES


def _looks_like_name(name: str) -> bool:
    if not name or len(name) > MAX_NAME_CHARS or len(name.split()) > 6:
        return False
    if _URLISH.search(name) or _SLUG.match(name):
        return False
    if fold(name) in _JOB_WORDS or any(fold(w) in _UI_WORDS for w in name.split()):
        return False
    if _is_account(name):
        return False
    letters = sum(c.isalpha() for c in name)
    return letters >= 2 and sum(c.isdigit() for c in name) <= 2


def _credited_for_words(text: str) -> str:
    """The names in a labelled credit line that are credited for the text: "Text und
    Interview: A Foto: B" -> "A"; a line without such labels comes back as it is."""
    labels = [m for m in _CREDIT_LABEL.finditer(text)
              if all(fold(w) in _WORD_LABELS or fold(w) in _PICTURE_LABELS
                     for w in m.group(1).split() if fold(w) not in ("und", "and", "et", "y", "e"))]
    if not labels:
        return text
    kept = [text[: labels[0].start()].strip()]
    for i, m in enumerate(labels):
        value = text[m.end(): labels[i + 1].start() if i + 1 < len(labels) else len(text)]
        words = [fold(w) for w in m.group(1).split()]
        if any(w in _WORD_LABELS for w in words) or not all(
                w in _PICTURE_LABELS or w in ("und", "and", "et", "y", "e") for w in words):
            kept.append(value.strip(" ,;|/"))
    return ", ".join(k for k in kept if k)


def _cut_after_name(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` up to where ``pattern`` matches, when a name (two words, or a word in a
    script without spaces) comes before it."""
    m = pattern.search(text)
    if m is None or m.start() == 0:
        return text
    head = _strip_prefix(text[: m.start()].strip())
    words = head.split()
    if len(words) >= 2 or (words and not words[0][:1].isascii()):
        return text[: m.start()]
    return text


def split_names(raw: str) -> list[str]:
    """Split one byline string into cleaned names (may be empty)."""
    text = clean_text(raw)
    text = _PAREN.sub("", text)
    if _URLISH.match(text.strip()):
        return []
    text = _credited_for_words(_ACTION_BY.sub("", text, count=1))
    text = _CONTACT.sub(" ", text)
    text = _cut_after_name(_cut_after_name(text, _OTHER_CREDIT), _STAMP)
    text = _strip_role_and_time(_strip_prefix(text))
    parts = [p.strip(" .:-–—'\"") for p in _SPLIT.split(text)]
    names: list[str] = []
    for part in parts:
        part = _strip_prefix(part).strip(" .:-–—'\"")
        part = _strip_job_suffix(part)
        part = _strip_role_and_time(part)
        if _looks_like_name(part):
            names.append(part)
    # "Anna Sleegers, Frankfurt": a final one-word capitalised item after a full name is
    # the dateline place, not a co-author
    if len(names) >= 2 and len(names[-1].split()) == 1 and len(names[-2].split()) >= 2 and \
            "," in text and names[-1][:1].isupper() and not names[-1].isupper() and \
            fold(names[-1]) not in AGENCIES:
        names.pop()
    return names


def clean_authors(raw: list[str], site: list[str] | None = None,
                  orgs: frozenset[str] = frozenset()) -> list[str]:
    """Split, clean, de-duplicate; drop organisations (the publisher's own name among
    them) credited next to people."""
    seen: dict[str, str] = {}
    for item in raw:
        for name in split_names(item):
            seen.setdefault(fold(name), name)  # "Emma Mackenzie" == "emma-mackenzie"
    names = list(seen.values())[:MAX_AUTHORS]
    if len(names) > 1:
        people = [n for n in names if not is_organisation(n, site or [], orgs)]
        if people and (_person_like(people) or len(people) < len(names) and
                       all(fold(n) in AGENCIES for n in people)):
            names = people
    return names


# words that name a publication or an organisation, not a person ("Lesotho Times")
_PRESS_WORDS = frozenset(fold(w) for w in (
    "times", "news", "newspaper", "zeitung", "nachrichten", "media", "medien", "magazine",
    "magazin", "daily", "herald", "journal", "tribune", "gazette", "online", "redaktion",
    "rédaction", "redacción", "redazione", "redactie", "newsroom", "agency", "agentur",
    "agence", "press", "presse", "verlag", "network",
    "channel", "radio", "tv", "television", "fernsehen", "staff", "desk", "editors",
    "ltd", "gmbh", "inc", "llc"))
_CAMEL_TOKEN = re.compile(r"^[A-Za-z]*[a-z][A-Z]\w*$")  # "VnExpress", "TechCrunch"


def is_organisation(name: str, site: list[str], orgs: frozenset[str] = frozenset()) -> bool:
    """An organisation rather than a person: the site's own name (or close to it), a
    declared organisation, a domain ("STERN.de"), a name made with press words ("Lesotho
    Times"), or one CamelCase word ("VnExpress").  News agencies count as people here:
    they are legitimate authors next to reporters."""
    key = fold(name)
    if not key or key in AGENCIES:
        return False
    if is_publisher(name, site, orgs):
        return True
    words = name.split()
    if is_domain_name(name) or (len(words) == 1 and _CAMEL_TOKEN.match(name)):
        return True
    if any(fold(w) in _PRESS_WORDS for w in words):
        return True
    return len(key) >= 5 and any(
        len(s) >= 5 and (key in s or s in key) for s in (fold(x) for x in site))


def is_publisher(name: str, site: list[str], orgs: frozenset[str] = frozenset()) -> bool:
    """The site's own name (exactly, ignoring case/punctuation), or a declared organisation."""
    key = fold(name)
    if key in AGENCIES:
        return False
    if key in orgs or any(key == fold(s) for s in site):
        return True
    # "LTO" for "Legal Tribune Online"
    if name.isupper() and 2 <= len(name) <= 6 and any(
            len(s.split()) >= 2 and key == fold("".join(w[0] for w in s.split())) for s in site):
        return True
    # ... and the other way round: "Deutsche Welle" on dw.com ("DW.COM")
    words = name.split()
    initials = fold("".join(w[0] for w in words))
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and \
        any(fold(s.split(".")[0]) == initials for s in site)


def _person_like(names: list[str]) -> bool:
    # a full name has two words, or is written in a script without spaces (CJK names)
    return any(len(n.split()) >= 2 or not n[:1].isascii() and not n[:1].isupper()
               for n in names)


# bylines (``marks.BYLINE_CLASS``) count outside reader comments (their "comment-author"
# names commenters), comment forms, sidebars and menus
_NOT_ARTICLE_BYLINE = (
    'ancestor-or-self::*[(contains(@class,"comment") and not(contains(@class,"commentar")))'
    ' or contains(@id,"comment") or contains(@class,"sidebar") or contains(@id,"sidebar")]'
    ' or ancestor::form or ancestor::aside or ancestor::nav')
_NOT_BYLINE_TAGS = frozenset({"meta", "link", "script", "body", "html", "article", "main"})
_OUTSIDE_ARTICLE = etree.XPath(f"boolean({_NOT_ARTICLE_BYLINE})")
MAX_BYLINE_ELEMENTS = 30


def byline_elements(tree: HtmlElement,
                    marked: list[HtmlElement] | None = None) -> list[HtmlElement]:
    """Elements marked as the author or byline (schema.org, rel, class names in several
    languages: ``marks.BYLINE_CLASS``), outside comments, forms, sidebars and menus; at
    most 30, in page order.  ``marked``: the page's ``Marked.bylines``, when found
    already."""
    found: list[HtmlElement] = []
    for el in marked_elements(tree).bylines if marked is None else marked:
        if el.tag in _NOT_BYLINE_TAGS or _OUTSIDE_ARTICLE(el):
            continue
        found.append(el)
        if len(found) >= MAX_BYLINE_ELEMENTS:
            break
    return found


# inside a byline block, the element that holds just the name: schema.org name, the
# microformat's formatted name, a link to the author's page
_BYLINE_NAME_XPATH = etree.XPath(
    './/*[@itemprop="name" or contains(concat(" ", normalize-space(@class), " "), " fn ")'
    ' or contains(concat(" ", normalize-space(@rel), " "), " author ")]')


def spaced_text(el: HtmlElement) -> str:
    """An element's text with its pieces kept apart ("<span>Author</span><a>Jane Doe</a>"
    is "Author Jane Doe", not "AuthorJane Doe")."""
    return " ".join(" ".join(el.itertext()).split())


def dom_byline(tree: HtmlElement, marked: list[HtmlElement] | None = None) -> list[str]:
    """Byline text from elements marked as author/byline in the page body: the innermost
    such element, or the name element inside it.  ``marked``: as for ``byline_elements``."""
    found = byline_elements(tree, marked)
    # blocks around a more precise author element give way to it
    outer = {a for el in found for a in el.iterancestors()}
    for el in found:
        if el in outer:
            continue
        inner = _BYLINE_NAME_XPATH(el)
        txt = spaced_text(inner[0]) if inner else spaced_text(el)
        # the first byline is the article's; later ones usually belong to teasers
        if txt and len(txt) <= 120 and split_names(txt):
            return [txt]
    return []


# labels in front of a byline that carries no author class: "<strong>Autor</strong> Name"
_LABELS = frozenset(fold(w) for w in (
    "autor", "autorin", "autorin/autor", "autor/autorin", "autoren", "author", "authors",
    "written by", "von", "by", "text", "auteur", "autore", "forfatter", "författare"))
_LABEL_XPATH = etree.XPath("//strong|//b|//dt|//th")
# Chinese pages credit the responsible editor at the end: "(责编：牛镛、岳弘彬)"
_CN_EDITOR_XPATH = etree.XPath(
    '//*[contains(text(),"责编：") or contains(text(),"责任编辑：")]/text()')
_CN_EDITOR = re.compile(r"(?:责编|责任编辑)：\s*([^)）\n]{1,40})")
# links to an author's page: /author/jane-doe, /autoren/name/max-kolter
_AUTHOR_LINK_XPATH = etree.XPath(
    "//a[" + " or ".join(f'contains(@href,"/{d}/")' for d in (
        "author", "authors", "autor", "autoren", "autorin", "auteur", "autore", "journalist"))
    + "][not(ancestor::nav or ancestor::footer or ancestor::aside or "
    "ancestor::header[not(ancestor::article)])]")
MAX_AUTHOR_LINKS = 10


def labelled_byline(tree: HtmlElement) -> list[str]:
    """Names after an "Autor"/"Author" label, or a Chinese editor credit."""
    for el in _LABEL_XPATH(tree)[:200]:
        label = text_of(el)
        if len(label) > 20 or fold(label) not in _LABELS:
            continue
        if el.tag == "dt" or el.tag == "th":
            value = el.getnext()
            txt = text_of(value) if value is not None else ""
        else:
            # the label opens its line ("| <b>Autor:</b> Name"), not a word in a sentence
            parent = el.getparent()
            whole = text_of(parent) if parent is not None else ""
            at = whole.find(label)
            txt = whole[at + len(label):] if 0 <= at <= 3 else ""
        txt = txt.strip(" :")
        if txt and len(txt) <= 120 and split_names(txt):
            return [txt]
    for text in _CN_EDITOR_XPATH(tree)[:3]:
        m = _CN_EDITOR.search(text)
        if m:
            return [n for n in re.split(r"[、，,\s]+", m.group(1).strip()) if n]
    return []


def author_links(tree: HtmlElement) -> list[str]:
    """Names linked to author pages, the first link and its co-authors in the same block."""
    links = _AUTHOR_LINK_XPATH(tree)[:MAX_AUTHOR_LINKS]
    first = next((a for a in links if split_names(text_of(a))), None)
    if first is None:
        return []
    block = first.getparent()
    return [txt for a in links if a.getparent() is block and (txt := text_of(a))]


_TEXT_BYLINE = re.compile(
    r"^(?:by|von|par|por|di|door|av|af|autor(?:in)?:?|author:?|автор:?)\s+(.{3,80})$", re.I)
TEXT_BYLINE_LINES = 6


_NAME_PARTICLES = frozenset({"von", "van", "de", "der", "den", "da", "di", "del", "della", "du",
                             "la", "le", "bin", "al", "el", "y", "zu", "ten", "ter"})


def _name_cased(name: str) -> bool:
    """Every word of a name starts with a capital (scripts without case pass)."""
    return all(w[:1].isupper() or not w[:1].islower() or w in _NAME_PARTICLES
               for w in name.split())


def byline_from_text(body: str) -> list[str]:
    """Names from a "By ..." / "Von ..." / "Par ..." line at the top of the article text."""
    for line in body.split("\n")[:TEXT_BYLINE_LINES]:
        line = " ".join(line.split())
        if _TEXT_BYLINE.match(line):
            names = clean_authors([line])
            if names and _person_like(names) and all(map(_name_cased, names)):
                return names
    return []


MAX_CO_AUTHORS = 6


# a link to a person's page: rel=author, or a path under one of these directories
_PERSON_HREF = re.compile(
    r"/(?:author|authors|autor|autoren|autorin|auteur|autore|journalist|profile|profil)/")


def is_person_link(a: HtmlElement) -> bool:
    href = a.get("href")
    return (href is not None and _PERSON_HREF.search(href) is not None) or \
        "author" in (a.get("rel") or "").split()


def person_links(tree: HtmlElement, limit: int) -> list[HtmlElement]:
    """The first ``limit`` links to a person's page (rel=author, /author/..., /profil/...)
    in page order, in one scan over the links."""
    found: list[HtmlElement] = []
    for a in tree.iter("a"):
        if is_person_link(a):
            found.append(a)
            if len(found) >= limit:
                break
    return found


MAX_BYLINE_BLOCK = 250  # characters of a byline block holding several author links
BYLINE_BLOCK_LEVELS = 5


def _byline_block_names(link: HtmlElement) -> list[str]:
    """Author-link texts in the smallest block around ``link`` that still reads as one
    byline (short text), going up a few levels."""
    block, names = link, [text_of(link)]
    for _ in range(BYLINE_BLOCK_LEVELS):
        parent = block.getparent()
        if parent is None or len(text_of(parent)) > MAX_BYLINE_BLOCK:
            break
        block = parent
        names = [text_of(a) for a in block.iterdescendants("a") if is_person_link(a)] \
            if block is not link else names
    return names


def _full_name(name: str) -> bool:
    """Reads as a person's full name: two or more capitalised words (or a name in a
    script without spaces), no digits or labels ("Posted: Aug 08")."""
    return (len(name.split()) >= 2 or not name[:1].isascii()) and _name_cased(name) and \
        not any(c.isdigit() or c == ":" for c in name)


def with_co_authors(names: list[str], pm: PageMeta, tree: HtmlElement,
                    site: list[str], marked: list[HtmlElement] | None = None) -> list[str]:
    """The page's visible byline when it names everyone ``names`` does and more people,
    linked to their author pages in one block: metadata that credits one of two
    reporters is a byline cut short.  ``marked``: as for ``byline_elements``."""
    keys = {fold(n) for n in names}

    def fuller(found: list[str]) -> bool:
        return len(keys) < len(found) <= MAX_CO_AUTHORS and \
            keys <= {fold(n) for n in found} and all(_full_name(n) for n in found)

    for link in person_links(tree, MAX_AUTHOR_LINKS * 3):
        if fold(text_of(link)) in keys:
            found = clean_authors(_byline_block_names(link), site)
            if fuller(found):
                return found
            break
    # the same in a byline block without such links: "By <span>A</span> and <span>B</span>"
    for el in byline_elements(tree, marked):
        txt = spaced_text(el)
        if len(txt) > MAX_BYLINE_BLOCK:
            continue
        found = clean_authors([txt], site)
        if keys & {fold(n) for n in found}:
            return found if fuller(found) else names
    return names


def pick_authors(pm: PageMeta, tree: HtmlElement, site: list[str],
                 marked: list[HtmlElement] | None = None) -> tuple[list[str], str]:
    """Author names and the source they came from.

    Sources in order: JSON-LD, meta tags, rel=author links, then byline elements.  A
    source that credits only the publisher or an organisation is kept as a fallback
    while later sources are asked for people.  ``marked``: the page's
    ``Marked.bylines``, when found already.
    """
    ld = jsonld_authors(pm)
    orgs = frozenset(fold(n) for n, is_org in ld if is_org)
    sources: list[tuple[str, list[str]]] = [
        ("jsonld", [n for n, _ in ld]),
        ("meta", pm.all(*_META_AUTHOR_KEYS)),
        ("twitter_label", twitter_credit(pm)),
        ("rel_author", pm.rel_author[:5]),
    ]
    fallback: tuple[list[str], str] = ([], "none")
    for label, raw in sources:
        names = clean_authors(raw, site, orgs)
        if not names:
            continue
        if not all(is_organisation(n, site, orgs) for n in names):
            if not fallback[0] or _person_like(names):
                return with_co_authors(names, pm, tree, site, marked), label
            continue
        if not fallback[0]:
            fallback = (names, label)
    if fallback[0] and all(fold(n) in AGENCIES or _DESK.search(n) for n in fallback[0]):
        return fallback  # a news agency or a named newsroom is a real byline
    names = clean_authors(dom_byline(tree, marked), site)
    if names and (not fallback[0] or _person_like(names)):
        return names, "byline"
    for label, find in (("labelled byline", labelled_byline), ("author links", author_links)):
        names = clean_authors(find(tree), site)
        if names and _person_like(names) and not any(is_publisher(n, site) for n in names):
            return names, label
    return fallback


# Yoast and similar plugins: twitter:label1 "Written by", twitter:data1 "Jane Doe"
_CREDIT_LABELS = frozenset(fold(w) for w in (
    "written by", "verfasst von", "geschrieben von", "écrit par", "escrito por",
    "scritto da", "geschreven door", "skrevet av", "autor", "author"))


def twitter_credit(pm: PageMeta) -> list[str]:
    names = pm.all("twitter:misc:written by")
    for i in range(1, 5):
        label, data = pm.first(f"twitter:label{i}"), pm.first(f"twitter:data{i}")
        if label and data and fold(label) in _CREDIT_LABELS:
            names.append(data)
    return names
