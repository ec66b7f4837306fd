"""Article text: trafilatura on our parsed tree, then general boilerplate line filters.

trafilatura runs in its fast mode first (no readability/justext comparison: most of its
time, little of its accuracy on news pages).  Two checks decide whether that is enough:

* a fast result that looks like a navigation dump, or is very short, is redone once in
  precision mode;
* a fast result that is short against what the page itself announces about its article
  (JSON-LD ``articleBody``, JSON-LD ``wordCount``, or the paragraphs inside its article
  markup: ``<article>``, ``itemprop="articleBody"``) is redone with the full cascade,
  which is kept when it recovers text and does not overshoot the announcement (a full
  text much longer than the article announced took in the rest of the page).

Afterwards, lines that repeat the headline, bylines and datelines at the top, and
promo/"read more" lines are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.bodyhtml import (TABLE_RULE, Block, Reading, blocks_from_elements,
                                        blocks_from_xml, text_lines)
from crawler.extraction.document import squash
from crawler.extraction.marks import marked_elements, still_in
from crawler.extraction.metadata import PageMeta
from crawler.extraction.paywall import drop_paywall_boxes
from crawler.extraction.titles import clean_text, fold

# a fast-mode result made mostly of short lines is a menu, not an article
NAV_DUMP_MIN_LINES = 20
NAV_DUMP_SHORT_SHARE = 0.7
SHORT_LINE = 40

_PROMO = re.compile(
    r"^\W*(?:read (?:more|also|next)|see (?:more|also)|also read|more (?:from|on|about)\b.*|"
    r"related(?: articles?| stories| posts?| content| coverage)?|recommended(?: for you)?|"
    r"most (?:read|popular|viewed)\b.*|you (?:may|might) (?:also )?(?:like|enjoy)\b.*|"
    r"don'?t miss|trending(?: now)?|advertisement|sponsored(?: content)?|"
    r"share (?:this|on)\b.*|click here\b.*|sign up\b.*|subscribe\b.*|"
    r"follow (?:us|@\w+)\b.*|join (?:us|our)\b.*|"
    r"lesen sie (?:auch|mehr|hier)\b.*|mehr zum thema\b.*|mehr (?:dazu|zu diesem thema)\b.*|"
    r"auch interessant|das könnte sie (?:auch )?interessieren|weitere (?:artikel|nachrichten)|"
    r"ähnliche(?: artikel| themen)?|empfohlene?r? (?:artikel|inhalt|redaktioneller inhalt)|"
    r"anzeige|werbung|zum thema|weiterlesen|artikel teilen|teilen|"
    r"lire (?:aussi|la suite)|à lire aussi|sur le même sujet|leer más|lee también|"
    r"te puede interesar|leggi anche|czytaj (?:też|także|więcej)|"
    r"читайте (?:также|еще)|також читайте|читайте також|関連記事|"
    r"comments?|kommentare|newsletter\b.*|video|podcast|image|foto|photo|"
    r"zum weiterlesen|empfohlene beiträge|mehr themen|weitere themen|auch lesen|"
    r"(?:vorschau auf den )?nächste[rn]? (?:artikel|beitrag)|vorherige[rn]? (?:artikel|beitrag)|"
    r"(?:previous|next) (?:article|post|story)|"
    r"teilen mit|share this|gefällt mir|like this|wird geladen|loading|"
    r"(?:du musst|sie müssen|you must be) (?:eingeloggt|angemeldet|logged in)\b.*|"
    r"kommentare? (?:insgesamt|schreiben)\b.*|leave a (?:comment|reply)\b.*|"
    # paywall and log-in prompts, calls to share
    r"(?:log ?in|sign in) (?:or|to) (?:create an account|register|subscribe|continue)\b.*|"
    r"enjoying (?:our|this) (?:latest )?content\b.*|"
    r"(?:subscribe|register) (?:now )?to (?:continue|keep) reading\b.*|"
    r"(?:like|enjoyed?) this (?:story|article|post)\b.*|"
    # a call to action that ends in "click here"
    r".{0,60}\bclick(?:ing)? here)\W*$",
    re.I)
# the label of an ad break inside the text ("Skip advertisement", "Story continues below
# advertisement", "Weiterlesen nach der Anzeige", "Passer la publicité")
_AD_BREAK = re.compile(
    r"^\W*(?:passer la publicité|skip (?:the )?(?:ad|advert|advertisement)s?|"
    r"(?:werbung|anzeige) überspringen|saltar (?:la )?publicidad|"
    r"(?:the )?(?:story|article|text|content) continues (?:below|after)"
    r"(?: (?:the |this )?(?:advertisement|ad|advert))?|"
    r"continue reading (?:below|the main story)|"
    r"(?:advertisement|werbung|anzeige|publicité|publicidad|pubblicità|reklama|annonse|annons|"
    r"mainos)\W*(?:scroll to continue(?: with content)?|continue reading below)?|"
    r"weiterlesen nach der anzeige|lesen sie nach der anzeige weiter|"
    r"(?:der )?artikel wird nach der anzeige fortgesetzt|"
    r"la suite après (?:cette |la )?publicité|le texte continue après la publicité)\W*$", re.I)
# a label that says what kind of page this is: an article ("Článek", "Artikel")
_KIND_LABEL = re.compile(
    r"^\W*(?:article|artikel|článek|článok|artículo|articolo|artigo|artykuł|cikk|статья|стаття)"
    r"\W*$", re.I)
# "Last updated 14.02.2019", "Letzte Änderung: 3. März 2021": page metadata, not text
_UPDATED_LINE = re.compile(
    r"^\W*(?:letzte änderung|zuletzt (?:aktualisiert|geändert)|last (?:updated|modified)|"
    r"dernière mise à jour|mis à jour le|última actualización|ultimo aggiornamento)\b"
    r"[\w .,:/-]{0,40}\b(?:19|20)\d{2}\b[\w .,:/-]{0,12}$", re.I)
# headings that introduce a list of links to other articles
_RELATED_HEADING = re.compile(
    r"^\W*(?:read (?:more|also|next)|see (?:more|also)|also read|more (?:from|on|about)\b.*|"
    r"related(?: articles?| stories| posts?| content| coverage)?|recommended(?: for you)?|"
    r"most (?:read|popular|viewed)\b.*|you (?:may|might) (?:also )?(?:like|enjoy)\b.*|"
    r"don'?t miss|trending(?: now)?|lesen sie (?:auch|mehr)\b.*|mehr zum thema\b.*|"
    r"auch interessant|das könnte sie (?:auch )?interessieren|weitere (?:artikel|nachrichten)|"
    r"ähnliche(?: artikel| themen)?|zum thema|lire aussi|à lire aussi|sur le même sujet|"
    r"lee también|te puede interesar|leggi anche|czytaj (?:też|także)|"
    r"читайте (?:также|еще)|також читайте|читайте також|関連記事)\W*$", re.I)
# labels that put a link to another article between two paragraphs ("Read also: <a>..</a>")
_RELATED_LABEL = (
    r"(?:read (?:more|also|next)|also read|see (?:also|more)|"
    r"related(?: articles?| stories| content| posts?| coverage)?|"
    r"more on this(?: story| topic)?|recommended|"
    r"lesen sie (?:auch|mehr|hier)|mehr (?:zum|dazu|zu diesem) thema|auch interessant|siehe auch|"
    r"lire aussi|à lire aussi|à lire également|lire également|voir aussi|"
    r"lee también|leer más|ver también|te puede interesar|leggi anche|leia (?:também|mais)|"
    r"veja também|lees ook|lees meer|läs (?:också|även|mer)|les også|læs også|lue myös|"
    r"czytaj (?:też|także|również|więcej)|čtěte (?:také|též)|přečtěte si (?:také|též)|"
    r"citește și|читайте (?:також|также|ещё|еще)|також читайте|читайте по теме|"
    r"auch lesen|weiterlesen|mehr dazu|"
    r"관련\s?기사|関連記事|相关阅读|延伸阅读)")
_INLINE_RELATED = re.compile(rf"^\W*{_RELATED_LABEL}\s*(?:[:：»›>|–—-]|\.{{3}}|…)", re.I)
_RELATED_START = re.compile(rf"^\W*{_RELATED_LABEL}\b\W*", re.I)
MAX_INLINE_RELATED = 250
# a related-link paragraph: its text after the label is mostly link text
RELATED_LINK_SHARE = 0.6
# trafilatura writes table rules ("|---|---|") as lines of their own
_CREDIT = re.compile(r"^\W*(?:©|\(c\)\s|copyright\b|(?:foto|bild|photo|image|quelle|source)\s*:)",
                     re.I)
# a caption that ends with its picture's credit ("... Bild: Jane Roe", "... (Photo: AFP)")
_CAPTION_CREDIT = re.compile(
    r"(?:\b(?:bild|foto|fotos|photo|photograph|image|credit|picture|illustration|grafik|kuva|"
    r"billede)\s*:\s*[^.!?:]{2,80}|\((?:photo|foto|bild|image|credit|picture)\b[^)]{0,80}\)|"
    r"©\s*[^.!?]{2,60})$", re.I)
MAX_CAPTION_LINE = 300
CAPTION_CREDIT_TAIL = 100  # characters at the end of a line that can hold the credit
_CAPTION_CREDIT_WORDS = ("bild", "foto", "photo", "image", "credit", "picture", "illustration",
                         "grafik", "kuva", "billede", "©")
# the word that opens a byline: "By", "Von", "Par" ...
_BY_WORDS = r"by|von|par|por|di|door|av|af"
_BYLINE = re.compile(rf"^\W*(?:{_BY_WORDS}|autor(?:in)?:?|author:?)\s+\S", re.I)
# "March 27, 2025 1:11 PM", "Stand: 22.04.2024, 06:00 Uhr", "30. Januar 2024"
_DATE_LINE = re.compile(r"^[\w.,:/| +-]{0,40}\b(?:19|20)\d{2}\b[\w.,:/| +-]{0,25}$")
# production credits under an article: who contributed, edited, checked, and its sources
# ("With files from The Associated Press", "Redaktion: A, B", "Quellen:" + a list)
_CREDIT_LINE = re.compile(
    r"^\W*(?:with (?:files|reports|reporting|additional reporting) (?:from|by)|"
    r"(?:additional )?reporting by|(?:writing|editing|edited|compiled) by|contributing:|"
    r"redaktion:|faktencheck:|mitarbeit:|mit material (?:von|der|des)|quellen?:|sources?:|"
    r"con información de|avec (?:afp|reuters|ap)\b)", re.I)
_SOURCES_HEADING = re.compile(r"^\W*(?:quellen?|sources?|fuentes?)\s*:\s*$", re.I)
MAX_CREDIT_LINE = 200
# a digest box above the article: its heading and the bullet points under it
_DIGEST_HEADING = re.compile(
    r"^\W*(?:kort fortalt|das wichtigste in kürze|das wichtigste|key points|key takeaways|"
    r"in short|at a glance|auf einen blick|en bref|l'essentiel|in brief|kurz gefasst|"
    r"kortversion|i korthet|lyhyesti|w skrócie|en resumen|in sintesi|in het kort)\W*$", re.I)
MAX_DIGEST_POINT = 400
MAX_DATE_LINE_WORDS = 7
# a byline and nothing else: a by-word and names ("Von Nina Muster", "Par Les Echos")
_BY_WORD = re.compile(rf"^\W*(?:{_BY_WORDS})\s+", re.I)
_NAME_JOINERS = frozenset({"and", "und", "et", "y", "e", "og", "en", "och", "&", "-", "|", "·"})
MAX_BYLINE_NAMES = 6
# the page's filing data: "Tags: a, b", "Filed under: ...", "Publicado por: X - Categoria: Y"
_META_LABEL = (r"(?:tags?|tagged(?: with)?|filed under|posted (?:in|by)|published by|"
               r"categor(?:y|ies|ia|ias)|catégories?|kategorien?|schlagw[öo]rter|etiquetas|"
               r"mots-clés|argomenti|publicado por)\s*:")
_META_LINE = re.compile(rf"^\W*{_META_LABEL}", re.I)
_META_LABELS = re.compile(rf"\b{_META_LABEL}", re.I)
# a call to sign up for the site's newsletter or to pay for it, of any length
_SIGN_UP = (r"(?:sign(?:ing)? up|subscribe|register|abonnieren|anmelden|inscri\w*|"
            r"suscr[ií]b\w*|iscriv\w*)")
_NEWSLETTER_CALL = re.compile(
    rf"\b{_SIGN_UP}\b.{{0,80}}\bnewsletters?\b|\bnewsletters?\b.{{0,80}}\b{_SIGN_UP}\b|"
    r"^\W*if you (?:enjoyed|liked|value|appreciate) (?:this|our|reading)\b", re.I)
MAX_NEWSLETTER_CALL = 400
# a call to write to the newsroom or the reporters, with the address or channel to use
_CONTACT_CALL = re.compile(
    r"\b(?:send us|write to us|"
    r"reach (?:us|the reporters?|the authors?|the writers?|him|her|them)|"
    r"follow (?:the reporters?|the authors?|him|her|them|(?-i:[A-Z]\w+ [A-Z]\w+)) on|"
    r"(?:send|e-?mail|submit|share|have) (?:us )?(?:your |a |news |story )?tips?\b|"
    r"senden sie (?:uns|ihr)|schreiben sie uns|melden sie (?:sich|vertraulich|uns)|"
    r"kontaktieren sie|écrivez-nous|envoyez-nous|contactez-nous|escríbenos|envíanos|"
    r"scriveteci|kontakt(?:ieren)? (?:sie )?uns)\b", re.I)
_CONTACT_CHANNEL = re.compile(
    r"@|\b(?:twitter|signal|threema|whatsapp|telegram|e-?mail|mail|x\.com|bluesky|mastodon|"
    r"facebook|instagram)\b", re.I)
MAX_CONTACT_CALL = 300
# the page's suggested citation: its address and the day it was read
_CITATION = re.compile(
    r"\b(?:abgerufen am|retrieved (?:on|from)|accessed on|consulté le|consultado (?:el|en))\b",
    re.I)
# a word that each _CONTACT_CALL alternative holds
_CONTACT_WORDS = ("send", "write", "reach", "follow", "tip", "senden", "schreiben", "melden",
                  "kontakt", "nous", "escr", "env", "scrivete")
# an author's bio under the article: "<Role> Jane Doe is ...", "Max Muster ist ..."
_BIO_VERB = re.compile(
    r",?\s+(?:is|was|ist|war|est|était|es|è|är|er|has|hat|writes|schreibt|covers|"
    r"berichtet|arbeitet|works|lives|lebt)\b", re.I)
BIO_LAST_LINES = 3
MAX_BIO = 500
MAX_BIO_LEAD_WORDS = 3  # words before the name: a role ("Korrespondent", "Senior editor")
MAX_BOILERPLATE_LINE = 90
TEASER_MAX = 120


def run_trafilatura(tree: HtmlElement, url: str, mode: str = "fast") -> Reading:
    """trafilatura's text of ``tree`` and the output tree it was written from (its
    blocks, for ``body_html``): mode "fast", "precision" or "full" (whole cascade)."""
    source = f"trafilatura {mode}"
    try:
        doc = trafilatura.bare_extraction(
            tree, url=url, fast=mode == "fast", favor_precision=mode == "precision",
            include_comments=False, include_tables=True, with_metadata=False,
            deduplicate=False)
    except Exception:  # trafilatura raises assorted errors on odd trees; no body is fine
        return Reading("", source)
    text = getattr(doc, "text", None) if doc is not None else None
    return Reading(text or "", source, extra={"xml": getattr(doc, "body", None)})


# a fast text under this share of what the page announces has lost part of the article
SHORT_OF_ANNOUNCED = 0.5
# a fuller text beyond this multiple of the announcement took in more than the article
OVERSHOOT = 1.25
# a fast text under this many characters, on a page that announces no article length, is
# redone with the full cascade (readability and justext comparison)
SHORT_UNANNOUNCED = 1000
# the fuller text must add this much to be worth taking
MIN_GAIN = 1.2
# announcements below these sizes are teasers or summaries, not the article's length
MIN_ANNOUNCED_CHARS = 600
MIN_ANNOUNCED_WORDS = 100
# paragraphs of article markup that count: shorter ones are captions, labels, bylines
MIN_MARKUP_PARAGRAPH = 40
MIN_MARKUP_PARAGRAPHS = 3
MAX_ARTICLE_CONTAINERS = 30


@dataclass
class Announced:
    """How much article text the page says it has (0: it does not say)."""

    chars: int = 0
    words: int = 0
    source: str = "none"
    text: str = ""  # the article text the page gives itself (JSON-LD articleBody)
    container: HtmlElement | None = None  # its article markup

    def short(self, text: str) -> bool:
        if self.chars and len(text) < SHORT_OF_ANNOUNCED * self.chars:
            return True
        return bool(self.words) and len(text.split()) < SHORT_OF_ANNOUNCED * self.words

    def overshot(self, text: str) -> bool:
        if self.chars and len(text) > OVERSHOOT * self.chars:
            return True
        return bool(self.words) and len(text.split()) > OVERSHOOT * self.words


def _paragraph_chars(container: HtmlElement) -> tuple[int, int]:
    lengths = [n for p in container.iter("p")
               if (n := len(" ".join(p.text_content().split()))) >= MIN_MARKUP_PARAGRAPH]
    return len(lengths), sum(lengths)


def article_container(tree: HtmlElement, marked: list[HtmlElement] | None = None
                      ) -> tuple[HtmlElement | None, int]:
    """The page's article markup (<article>, itemprop="articleBody") with the most prose,
    and its prose characters.  ``marked``: the page's ``Marked.article_markup``, when
    found already (what has left the tree since is passed over)."""
    if marked is None:
        marked = marked_elements(tree).article_markup
    markup = [el for el in marked if still_in(tree, el)]
    best: tuple[HtmlElement | None, int] = (None, 0)
    for container in markup[:MAX_ARTICLE_CONTAINERS]:
        count, chars = _paragraph_chars(container)
        if count >= MIN_MARKUP_PARAGRAPHS and chars > best[1]:
            best = (container, chars)
    return best


def announced(pm: PageMeta | None, tree: HtmlElement,
              marked: list[HtmlElement] | None = None) -> Announced:
    """The article length the page announces: JSON-LD articleBody or wordCount, else the
    paragraphs of its article markup (``marked``: as for ``article_container``)."""
    art = (pm.article if pm else None) or {}
    body = art.get("articleBody")
    text = clean_text(body) if isinstance(body, str) else ""
    if len(text) >= MIN_ANNOUNCED_CHARS:
        return Announced(chars=len(text), source="jsonld articleBody", text=text)
    try:
        words = int(str(art.get("wordCount") or "0").strip())
    except ValueError:
        words = 0
    if words >= MIN_ANNOUNCED_WORDS:
        return Announced(words=words, source="jsonld wordCount")
    container, chars = article_container(tree, marked)
    if chars >= MIN_ANNOUNCED_CHARS:
        return Announced(chars=chars, source="article markup", container=container)
    return Announced()


# what article markup holds besides the article: skipped when reading its text
_SKIP_TAGS = frozenset({"aside", "nav", "footer", "header", "figure", "figcaption", "form",
                        "script", "style", "noscript", "button", "select", "template",
                        "iframe", "svg", "h1"})
_SKIP_CLASS = re.compile(
    r"(?:^|[\s_-])(?:ads?|advert\w*|promo\w*|related|newsletter\w*|share|sharing|social|"
    r"comments?|recirc\w*|recommend\w*|teasers?|paywall|subscri\w*|banner|sponsor\w*|"
    r"byline|author|caption|credits?)(?:$|[\s_-])", re.I)
_TEXT_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre"})


def markup_text(container: HtmlElement) -> str:
    """The article text of an article container read block by block (paragraphs,
    subheadings, list items), leaving out asides, figures, ads, share and related
    blocks: for pages whose article markup holds more than trafilatura found."""
    return "\n".join(line for _, line in markup_blocks(container))


def markup_blocks(container: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """``markup_text``'s blocks: each text block's element and its line."""
    lines: list[tuple[HtmlElement, str]] = []

    def walk(el: HtmlElement) -> None:
        for child in el.iterchildren():
            tag = child.tag if isinstance(child.tag, str) else ""
            if not tag or tag in _SKIP_TAGS or \
                    _SKIP_CLASS.search(f"{child.get('class', '')} {child.get('id', '')}"):
                continue
            if tag in _TEXT_BLOCKS:
                line = " ".join(child.text_content().split())
                if line:
                    lines.append((child, line))
            else:
                walk(child)

    walk(container)
    return lines


def looks_like_nav_dump(text: str) -> bool:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < NAV_DUMP_MIN_LINES:
        return False
    short = sum(1 for ln in lines if len(ln.strip()) < SHORT_LINE)
    return short / len(lines) >= NAV_DUMP_SHORT_SHARE


def _same_as(line: str, refs: Iterable[str]) -> bool:
    fl = fold(line)
    if not fl:
        return False
    for ref in refs:
        fr = fold(ref)
        if not fr:
            continue
        if fl == fr:
            return True
        # "Kicker Headline" / "Headline" written with a kicker or a trailing site name
        if len(fr) >= 12 and (fl.endswith(fr) or fl.startswith(fr)) and len(fl) <= len(fr) + 60:
            return True
        if len(fl) >= 20 and fr.endswith(fl) and len(fl) >= 0.6 * len(fr):
            return True
    return False


def _is_boilerplate(line: str) -> bool:
    s = line.strip()
    if TABLE_RULE.match(s):
        return True
    if len(s) <= MAX_INLINE_RELATED and _INLINE_RELATED.match(s):
        return True  # "Read also: How North Korean troops ended up ..."
    if len(s) <= MAX_NEWSLETTER_CALL:
        # (a word of each pattern is looked for first: the patterns are slow on prose)
        low = s.lower()
        if ("newsletter" in low or low.startswith("if you")) and _NEWSLETTER_CALL.search(s):
            return True  # "Sign up for our free daily newsletter", "If you enjoyed this article"
        tail = s[-CAPTION_CREDIT_TAIL:]
        if len(s) > CAPTION_CREDIT_TAIL:
            tail = tail[tail.find(" ") + 1:]  # from a word's start
        tail_low = tail.lower()
        if len(s) <= MAX_CAPTION_LINE and any(k in tail_low for k in _CAPTION_CREDIT_WORDS) \
                and _CAPTION_CREDIT.search(tail):
            return True  # a photo caption with its credit
        if len(s) <= MAX_CONTACT_CALL and any(k in low for k in _CONTACT_WORDS) and \
                _CONTACT_CHANNEL.search(s) and _opens_with_contact_call(s):
            return True  # "Send us your feedback: letters@...", "Reach the reporter on Twitter at"
        if len(s) <= MAX_CONTACT_CALL and "http" in low and _CITATION.search(s):
            return True  # "Title. In: Site, 20.10.2025, https://... (abgerufen am: 20.10.2025)"
        if len(s) <= MAX_CREDIT_LINE and ":" in s and \
                (_META_LINE.match(s) or len(_META_LABELS.findall(s)) >= 2):
            return True  # "Tags: harbour, council", "Posted by: X - Category: Y"
    if len(s) > MAX_BOILERPLATE_LINE:
        return False
    return bool(_PROMO.match(s) or _CREDIT.match(s) or _UPDATED_LINE.match(s) or
                _AD_BREAK.match(s) or _KIND_LABEL.match(s))


MAX_CONTACT_LEAD_WORDS = 3  # "You can reach the reporter at ..."; later, a sentence of the text


def _opens_with_contact_call(line: str) -> bool:
    """A sentence of the line opens with a call to write to the newsroom or to reach the
    reporters (one that mentions following guidance on Facebook midway is article text)."""
    for m in _CONTACT_CALL.finditer(line):
        lead = line[:m.start()].rstrip()
        if len(lead.split()) <= MAX_CONTACT_LEAD_WORDS or lead.endswith(("?", "!", ".", ":")):
            return True
    return False


def drop_related_links(tree: HtmlElement) -> int:
    """Remove paragraphs that are a label and a link to another article ("Read also: <a>");
    returns how many.  The paragraph's tail text (outside it) stays."""
    dropped = []
    for p in tree.iter("p", "li"):
        # the label opens the paragraph, as its own text or in its first child
        first = (p.text or "").strip()
        if not first and len(p):
            first = (p[0].text or "").strip()
        if not first or not _RELATED_START.match(first[:60]):
            continue
        text = " ".join(p.text_content().split())
        m = _RELATED_START.match(text)
        if m is None or len(text) > MAX_INLINE_RELATED:
            continue
        rest = len(text) - m.end()
        linked = sum(len(" ".join(a.text_content().split())) for a in p.iter("a"))
        if rest > 0 and linked >= RELATED_LINK_SHARE * rest:
            dropped.append(p)
    for p in dropped:
        parent = p.getparent()
        if parent is not None:
            p.drop_tree()
    return len(dropped)


# a teaser card: a link that holds a heading (and often a kicker, a picture, a summary)
MAX_TEASER_CARD = 400  # characters: a longer link is not a card


def drop_teaser_cards(tree: HtmlElement) -> int:
    """Remove links that hold a heading: a teaser card for another page (its headline,
    kicker and summary), not a subheading of the article; returns how many.  The
    link's tail text stays."""
    cards: dict[HtmlElement, None] = {}  # (headings are fewer than links: start there)
    for h in tree.iter("h2", "h3", "h4", "h5", "h6"):
        for a in h.iterancestors("a"):
            href = (a.get("href") or "").strip()
            if href and not href.startswith("#"):
                cards[a] = None
            break
    dropped = [a for a in cards if len(" ".join(a.text_content().split())) <= MAX_TEASER_CARD]
    for a in dropped:
        if a.getparent() is not None:
            a.drop_tree()
    return len(dropped)


def _is_teaser(line: str) -> bool:
    """A headline-like line as found in "read more" lists: short, no closing period."""
    return len(line) < TEASER_MAX and not line.rstrip().endswith((".", ":", ";"))


def _is_byline(line: str, author_keys: list[str]) -> bool:
    """A line that is only a byline: a by-word and capitalised names, or the name of one
    of the page's authors."""
    m = _BY_WORD.match(line)
    if m:
        words = line[m.end():].replace(",", " ").split()
        names = [w for w in words if w.lower() not in _NAME_JOINERS]
        return 0 < len(names) <= MAX_BYLINE_NAMES and all(w[0].isupper() for w in names)
    if not author_keys or len(line) > 2 * max(len(k) for k in author_keys) + 10:
        return False
    fl = fold(line)
    return bool(fl) and fl in author_keys


def _is_bio(line: str, authors: list[str]) -> bool:
    """A line that opens with one of the page's authors' full names (after at most a role)
    and says who they are: an author's bio."""
    if len(line) > MAX_BIO:
        return False
    for name in authors:
        k = line.find(name) if len(name.split()) >= 2 else -1
        if k >= 0 and len(line[:k].split()) <= MAX_BIO_LEAD_WORDS and \
                _BIO_VERB.match(line, k + len(name)):
            return True
    return False


def clean_body(text: str, titles: Iterable[str] = (), authors: Iterable[str] = ()) -> str:
    """Drop headline repeats, top bylines/datelines and promo lines; join by "\\n"."""
    lines = text_lines(text)
    return "\n".join(lines[i] for i in clean_lines(lines, titles, authors))


def clean_lines(lines: list[str], titles: Iterable[str] = (),
                authors: Iterable[str] = ()) -> list[int]:
    """Which of the body's ``lines`` (``text_lines``) stay: the indices of all but
    headline repeats, top bylines/datelines and promo lines."""
    titles = [t for t in titles if t]
    authors = [a for a in authors if a]
    author_keys = [fold(a) for a in authors]
    headline = titles[0] if titles else ""
    headline_key = fold(headline)
    out: list[str] = []
    kept: list[int] = []
    in_teasers = in_sources = in_digest = False
    for i, line in enumerate(lines):
        if in_teasers and _is_teaser(line):
            continue
        in_teasers = False
        if in_digest and line.startswith("- ") and len(line) <= MAX_DIGEST_POINT:
            continue  # a point of the digest box
        in_digest = False
        if _DIGEST_HEADING.match(line) and i + 1 < len(lines) and lines[i + 1].startswith("- "):
            in_digest = True
            continue
        if in_sources and line.startswith("- ") and len(line) <= MAX_CREDIT_LINE:
            continue  # the list under "Sources:"
        in_sources = False
        if len(line) <= MAX_CREDIT_LINE and _CREDIT_LINE.match(line):
            in_sources = bool(_SOURCES_HEADING.match(line))
            continue
        at_top = i < 8 and not any(len(o) > 150 for o in out)
        if at_top and len(line) < 300 and _same_as(line, titles):
            continue
        if not at_top and headline and len(line) <= 2 * len(headline) + 10 and \
                (fl := fold(line)) and fl == headline_key:
            continue  # the headline again, further down (above a photo, in a share box)
        if at_top and len(line) < 80:
            fl = fold(line)
            if _BYLINE.match(line) or (_DATE_LINE.match(line) and
                                       len(line.split()) <= MAX_DATE_LINE_WORDS):
                continue
            if author_keys and any(k and k in fl for k in author_keys) and \
                    len(fl) <= max(len(k) for k in author_keys) + 25:
                continue
        if i >= len(lines) - BIO_LAST_LINES and _is_bio(line, authors):
            continue  # who the author is, under the article
        if len(line) < 80 and _is_byline(line, author_keys):
            continue  # a byline further down (above a photo, in an author box at the end)
        if _is_boilerplate(line):
            in_teasers = bool(_RELATED_HEADING.match(line))
            continue
        out.append(line)
        kept.append(i)
    return kept


# elements that never hold article text; trafilatura drops them too, but only after
# copying the whole tree once per run
_INERT = ("script", "style", "template", "svg")


def drop_inert(tree: HtmlElement) -> None:
    """Remove scripts, styles and the like (their tail text stays)."""
    for el in [e for e in tree.iter(*_INERT)]:
        if el.getparent() is not None:
            el.drop_tree()


# the standfirst: a paragraph a news page shows between its headline and its article,
# the same text as its description; article templates often put it outside the body
# container that trafilatura reads
MIN_STANDFIRST = 40  # characters of the description compared with the page text
STANDFIRST_KEY = 50
STANDFIRST_SLACK = 1.5  # the visible paragraph may complete a description cut short
MAX_DATELINE = 40  # "Nordstrand." / "BERLIN (dpa) -" before the standfirst's first words
_STANDFIRST_BLOCKS = frozenset({"p", "div", "h2", "h3", "h4", "section", "header", "span",
                                "strong", "b", "em"})
# a description shown in these is a teaser, a caption or a control, not the standfirst
_NOT_STANDFIRST = frozenset({"nav", "footer", "aside", "a", "li", "button", "form", "figure",
                             "figcaption", "label", "select", "noscript", "blockquote"})


def description_of(pm: PageMeta) -> str:
    art = pm.article or {}
    raw = pm.first("og:description", "description", "twitter:description") or \
        (art.get("description") if isinstance(art.get("description"), str) else "")
    return clean_text(raw)


# text nodes below the page's first headline (an element's own text or the text after an
# element) that open with the given words, or that are the first of them ("<b>Berlin</b>")
_UNICODE_SPACES = "\u00a0\u2007\u2009\u202f"  # XPath's normalize-space folds ASCII ones only
_FOLDED = f"normalize-space(translate(., '{_UNICODE_SPACES}', '{' ' * len(_UNICODE_SPACES)}'))"
# (contains(): a cheap first filter before the folding, which allocates per node)
_TEXT_STARTING = etree.XPath(
    f"(//body//h1)[1]/following::text()[contains(., $first)][starts-with({_FOLDED}, $head) or "
    f"(string-length({_FOLDED}) >= 3 and starts-with($head, {_FOLDED}))]")


def standfirst(tree: HtmlElement, description: str) -> str:
    """The page's visible standfirst: the text of the first block below the headline
    (<h1>) that says what the page's description says (a dateline may come first; the
    block may complete a description cut short), outside navigation, teasers, captions
    and links; "" when the page shows none."""
    key = description[:STANDFIRST_KEY].rstrip(".…").strip()
    if len(key) < MIN_STANDFIRST:
        return ""
    limit = STANDFIRST_SLACK * len(description) + 20
    for node in _TEXT_STARTING(tree, head=key[:15], first=key.split()[0][:3]):
        el = node.getparent()
        start = el.getparent() if node.is_tail else el
        text = _standfirst_block(start, key, limit) if start is not None else ""
        if text:
            return text
    return marked_standfirst(tree)


# what templates call the standfirst in its class
_STANDFIRST_CLASS = re.compile(
    r"(?:^|[\s_-])(?:lead|lede|intro|standfirst|summary|dek|excerpt|abstract|chapo|chapeau|"
    r"preamble|ingress|teaser-?text)(?:$|[\s_-])", re.I)
_AFTER_HEADLINE = etree.XPath("(//body//h1)[1]/following::*[position() <= $n]")
STANDFIRST_SCAN = 60  # elements after the headline
MAX_STANDFIRST = 600


def marked_standfirst(tree: HtmlElement) -> str:
    """The standfirst a page marks as such when it does not repeat its description: the
    first paragraph below the headline whose class names a lead, an intro or a summary."""
    for el in _AFTER_HEADLINE(tree, n=STANDFIRST_SCAN):
        if el.tag not in ("p", "div", "h2") or \
                not _STANDFIRST_CLASS.search(el.get("class", "")):
            continue
        text = squash(el.text_content())
        if MIN_STANDFIRST <= len(text) <= MAX_STANDFIRST and \
                not any(a.tag in _NOT_STANDFIRST for a in el.iterancestors()):
            return text
    return ""


def _standfirst_block(el: HtmlElement, key: str, limit: float) -> str:
    """The text of the block around ``el`` that holds ``key`` near its start."""
    # up to the block that holds the whole paragraph ("<p><b>Berlin.</b> Die ...")
    block, text = el, ""
    while block is not None:
        if block.tag in _STANDFIRST_BLOCKS:
            text = squash(block.text_content())
            if len(text) >= len(key) + MAX_DATELINE:
                break
            if 0 <= text.find(key) <= MAX_DATELINE:
                break
        block = block.getparent()
    if block is None or not 0 <= text.find(key) <= MAX_DATELINE or len(text) > limit or \
            block.tag in _NOT_STANDFIRST or \
            any(a.tag in _NOT_STANDFIRST for a in block.iterancestors()):
        return ""
    # ... and to the block holding all of a standfirst written as several paragraphs
    lines = [text]
    while (parent := block.getparent()) is not None and parent.tag in _STANDFIRST_BLOCKS:
        parts = [(child, squash(child.text_content())) for child in parent]
        parts = [(child, t) for child, t in parts if t]
        if (parent.text or "").strip() or not parts or parts[0][0] is not block or \
                any(child is not block and child.tag != "p" for child, _ in parts) or \
                sum(len(t) for _, t in parts) > limit:
            break  # more than paragraphs: a caption, a credit, a label
        block, lines = parent, [t for _, t in parts]
    return "\n".join(lines)


def with_standfirst(body: str, lede: str) -> str:
    """``body`` with the standfirst on top, unless the text already has it."""
    if not lede or lede[:STANDFIRST_KEY] in squash(body):
        return body
    return f"{lede}\n{body}" if body else lede


def extract_body(tree: HtmlElement, url: str, pm: PageMeta | None = None,
                 boxes: list[HtmlElement] | None = None,
                 article_markup: list[HtmlElement] | None = None) -> Reading:
    """``read_body`` with the subheadings the reading left out between its paragraphs
    (``with_subheadings``)."""
    return with_subheadings(read_body(tree, url, pm, boxes, article_markup), tree)


# a subheading: a heading element of this many characters
MIN_SUBHEADING, MAX_SUBHEADING = 3, 150
SUBHEADING_KEY = 40  # characters of a paragraph that find its line in the body
MIN_SUBHEADING_NEIGHBOUR = 40  # a paragraph around it, not a label


# soft hyphens and zero-width characters: in the page's text, not in trafilatura's
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


_PARAGRAPHS = frozenset({"p", "div"})


def _visible_text(el: HtmlElement) -> str:
    """``el``'s text as trafilatura writes it: without soft hyphens and zero-width
    characters, whitespace folded."""
    return squash(el.text_content().translate(_INVISIBLE))


def _text_sibling(siblings: Iterable[HtmlElement]) -> HtmlElement | None:
    """The first of ``siblings`` that shows text (an empty ad slot is passed over)."""
    for el in siblings:
        if isinstance(el.tag, str) and any(not t.isspace() for t in el.itertext()):
            return el
    return None


def with_subheadings(reading: Reading, tree: HtmlElement) -> Reading:
    """``reading`` with the subheadings (h2-h4) that stand in the page between two of its
    consecutive paragraphs: a heading between two paragraphs of the article is part of
    it (trafilatura drops them when it reads a page without a known article container)."""
    lines = text_lines(reading.text)
    if len(lines) < 2:
        return reading
    starts: dict[str, int] = {}
    for i, line in enumerate(lines):
        if len(line) >= MIN_SUBHEADING_NEIGHBOUR:
            starts.setdefault(line[:SUBHEADING_KEY], i)
    present = set(lines)
    inserts: list[tuple[int, HtmlElement, str]] = []
    for h in tree.iter("h2", "h3", "h4"):
        heading = _visible_text(h)
        if not MIN_SUBHEADING <= len(heading) <= MAX_SUBHEADING or heading in present:
            continue
        prev, nxt = _text_sibling(h.itersiblings(preceding=True)), _text_sibling(h.itersiblings())
        if prev is None or nxt is None or prev.tag not in _PARAGRAPHS or \
                nxt.tag not in _PARAGRAPHS:
            continue
        after, before = _visible_text(nxt), _visible_text(prev)
        if len(after) < MIN_SUBHEADING_NEIGHBOUR or len(before) < MIN_SUBHEADING_NEIGHBOUR:
            continue
        j = starts.get(after[:SUBHEADING_KEY])
        if j is None or j == 0 or not lines[j - 1].startswith(before[:SUBHEADING_KEY]):
            continue
        inserts.append((j, h, heading))
    if not inserts:
        return reading
    blocks = reading.blocks
    if blocks is not None:
        first_of: dict[int, int] = {}  # line index -> the block that starts with it
        index = 0
        for b, block in enumerate(blocks):
            first_of[index] = b
            index += len(block.lines)
        inserts = [(j, h, t) for j, h, t in inserts if j in first_of]
    for j, h, heading in sorted(inserts, key=lambda x: x[0], reverse=True):
        lines.insert(j, heading)
        if blocks is not None:
            blocks.insert(first_of[j], Block("h", [heading], level=int(h.tag[1]), source=h))
    reading.text = "\n".join(lines)
    return reading


def read_body(tree: HtmlElement, url: str, pm: PageMeta | None = None,
              boxes: list[HtmlElement] | None = None,
              article_markup: list[HtmlElement] | None = None) -> Reading:
    """The raw article text, which reading produced it (``Reading.source``: a trafilatura
    mode, the article markup, the JSON-LD articleBody) and its blocks.  Removes from
    ``tree`` first what holds no article text (``drop_inert``), related-link paragraphs
    (``drop_related_links``) and subscription boxes (``drop_paywall_boxes``): call it
    after the stages that read scripts.  ``boxes``: the subscription boxes, when found
    already (``paywall_boxes``); ``article_markup``: the page's ``Marked.article_markup``,
    when found already."""
    drop_inert(tree)
    drop_related_links(tree)
    drop_teaser_cards(tree)
    drop_paywall_boxes(tree, boxes)
    reading = run_trafilatura(tree, url)
    text = reading.text
    if looks_like_nav_dump(text) or len(text) < 200:
        precise = run_trafilatura(tree, url, mode="precision")
        if precise.text and (len(precise.text) >= 200 or not text or looks_like_nav_dump(text)):
            reading = precise
            text = reading.text
    expected = announced(pm, tree, article_markup)
    if expected.source == "none" and len(text) < SHORT_UNANNOUNCED:
        # a page that says nothing about its article and gave the fast mode only a few
        # paragraphs: where the fast mode most often missed the main text
        full = run_trafilatura(tree, url, mode="full")
        if full.text:
            full.source = "trafilatura full (short, nothing announced)"
            return with_blocks(full)
        return with_blocks(reading)
    if not expected.short(text):
        return with_blocks(reading)
    why = f"{reading.source} short of {expected.source}"
    # the fuller readings: trafilatura's full cascade, the article markup's own text (an
    # article split into several containers between ads defeats both trafilatura modes),
    # the page's articleBody; the one that reads the most of the article without going
    # beyond what the page announces wins
    container = expected.container if expected.container is not None else \
        article_container(tree, article_markup)[0]
    pairs = markup_blocks(container) if container is not None else []
    candidates = [run_trafilatura(tree, url, mode="full"),
                  Reading("\n".join(line for _, line in pairs), "article markup",
                          blocks_from_elements(pairs)),
                  Reading(expected.text, "jsonld articleBody")]
    fitting = [c for c in candidates
               if len(c.text) >= MIN_GAIN * len(text) and not expected.overshot(c.text)]
    if fitting:
        best = max(fitting, key=lambda c: len(c.text))
        best.source = f"{best.source} ({why})"
        return with_blocks(best)
    return with_blocks(reading)


def with_blocks(reading: Reading) -> Reading:
    """``reading`` with its blocks: trafilatura's output tree cut into blocks (one
    paragraph a line when they do not add up to its text)."""
    if reading.blocks is None and "xml" in reading.extra:
        reading.blocks = blocks_from_xml(reading.extra.pop("xml"), reading.text)
    reading.extra.pop("xml", None)
    return reading
