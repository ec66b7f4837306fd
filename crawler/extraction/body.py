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

from crawler.extraction.bodyhtml import TABLE_RULE, Reading, blocks_from_elements, blocks_from_xml, text_lines
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
_BYLINE = re.compile(r"^\W*(?:by|von|par|por|di|door|av|af|autor(?:in)?:?|author:?)\s+\S", re.I)
# "March 27, 2025 1:11 PM", "Stand: 22.04.2024, 06:00 Uhr", "30. Januar 2024"
_DATE_LINE = re.compile(r"^[\w.,:/| +-]{0,40}\b(?:19|20)\d{2}\b[\w.,:/| +-]{0,25}$")
MAX_DATE_LINE_WORDS = 7
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
    if len(s) > MAX_BOILERPLATE_LINE:
        return False
    return bool(_PROMO.match(s) or _CREDIT.match(s) or _UPDATED_LINE.match(s))


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


def _is_teaser(line: str) -> bool:
    """A headline-like line as found in "read more" lists: short, no closing period."""
    return len(line) < TEASER_MAX and not line.rstrip().endswith((".", ":", ";"))


def clean_body(text: str, titles: Iterable[str] = (), authors: Iterable[str] = ()) -> str:
    """Drop headline repeats, top bylines/datelines and promo lines; join by "\\n"."""
    lines = text_lines(text)
    return "\n".join(lines[i] for i in clean_lines(lines, titles, authors))


def clean_lines(lines: list[str], titles: Iterable[str] = (),
                authors: Iterable[str] = ()) -> list[int]:
    """Which of the body's ``lines`` (``text_lines``) stay: the indices of all but
    headline repeats, top bylines/datelines and promo lines."""
    titles = [t for t in titles if t]
    author_keys = [fold(a) for a in authors if a]
    out: list[str] = []
    kept: list[int] = []
    in_teasers = False
    for i, line in enumerate(lines):
        if in_teasers and _is_teaser(line):
            continue
        in_teasers = False
        at_top = not any(len(o) > 150 for o in out) and i < 8
        if at_top and len(line) < 300 and _same_as(line, titles):
            continue
        if at_top and len(line) < 80:
            fl = fold(line)
            if _BYLINE.match(line) or (_DATE_LINE.match(line) and
                                       len(line.split()) <= MAX_DATE_LINE_WORDS):
                continue
            if author_keys and any(k and k in fl for k in author_keys) and \
                    len(fl) <= max(len(k) for k in author_keys) + 25:
                continue
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
    """The raw article text, which reading produced it (``Reading.source``: a trafilatura
    mode, the article markup, the JSON-LD articleBody) and its blocks.  Removes from
    ``tree`` first what holds no article text (``drop_inert``), related-link paragraphs
    (``drop_related_links``) and subscription boxes (``drop_paywall_boxes``): call it
    after the stages that read scripts.  ``boxes``: the subscription boxes, when found
    already (``paywall_boxes``); ``article_markup``: the page's ``Marked.article_markup``,
    when found already."""
    drop_inert(tree)
    drop_related_links(tree)
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
