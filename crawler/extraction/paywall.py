"""Paywalls: whether the page says its text is cut, and the subscription boxes that must
not enter the body.

``paywall_state``: True when the page says its text is cut (JSON-LD
``isAccessibleForFree: false`` on the article or on one of its parts, ``<meta
property="article:content_tier" content="locked">``, or a visible subscription box in
paywall markup), False when it says it is free (``isAccessibleForFree: true``,
``content_tier`` "free"), None when it says nothing.

A subscription box is an element whose class, id or data attribute names a paywall
(``paywall``, ``regwall``, ``subscription-wall``, ``premium-box``, ``piano-offer``...) or
an appeal for money (``membership-appeal``, ``support-us``, ``donate-box``...), and whose
text is short and asks the reader to subscribe, become a member, log in or pay.  Google's
structured-data guidelines have publishers mark the *paywalled text itself* with such a
class (``hasPart.cssSelector``), so a long element, or one holding paragraphs of prose,
is never taken for a box.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from crawler.extraction.marks import marked_elements
from crawler.extraction.metadata import PageMeta

_PAYWALL_NAME = re.compile(
    r"(?:^|[\s_-])(?:\w*pay-?wall\w*|regwall|reg-wall|subscri(?:be|ber|ption)s?[-_]?"
    r"(?:wall|box|gate|prompt|cta|offer|banner|only|teaser)|premium[-_]?(?:wall|box|gate|banner|"
    r"teaser|offer|overlay)|meter(?:ed)?[-_]?(?:wall|box|offer)|piano[-_]?(?:offer|inline|"
    r"template|paywall)|tp-(?:container|modal|paywall)|"
    # appeals for money that sit in the article the same way
    r"members?(?:hip)?[-_]?(?:appeal|cta|box|banner|promo|prompt|ask|offer)|"
    r"(?:support|donat\w*|contribut\w*)[-_]?(?:us|appeal|cta|box|banner|ask|epic|prompt))"
    r"(?:$|[\s_-])", re.I)
# what a subscription box asks of the reader
_CALL = re.compile(
    r"\bsubscri|\babonn|\babo\b|\babo-|\blog ?in\b|\bsign ?in\b|\banmelden|\beinloggen|"
    r"\bregist(?:er|rier)|\bmembers?(?:hip)?\b|\bmitglied|\bunlock|\bfreischalten|"
    r"\bcontinue reading|\bkeep reading|\bweiterlesen|\bread the full|\balready a\b|"
    r"премиум|подпис|\bsuscr|\babbon|\binscreva|\bassine|\bprenumer", re.I)
# what a box says when the text above it is all a reader gets
_CUT = re.compile(
    r"\b(?:continue|keep) reading|\bto (?:read|continue|unlock|access) (?:the|this|more|further|"
    r"all|our)\b|\bread the (?:full|rest|whole)\b|\bunlock (?:this|the|full)\b|"
    r"\b(?:for|only for|exclusive(?:ly)? for|reserved for) (?:paying )?(?:subscribers|members)\b|"
    r"\bsubscribers? only\b|\bmembers? only\b|\balready a (?:subscriber|member)\b|"
    r"\bthis (?:article|story|content) is (?:for|only|exclusive|available)\b|"
    r"\bweiterlesen mit\b|\bexklusiv für (?:abonnenten|abonnentinnen|\w*plus)|"
    r"\bréservé aux abonnés\b|\bla suite est réservée\b|\bsolo para suscriptores\b|"
    r"\briservato agli abbonati\b|\bdit artikel is alleen\b|\bдоступ(?:ен)? только\b", re.I)
MAX_BOX_CHARS = 1500
MAX_BOX_PROSE = 1  # paragraphs of prose a box may hold (an offer's pitch)
PROSE = 150
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")


def _flag(value: Any) -> bool | None:
    """``isAccessibleForFree`` as a bool: JSON booleans or the strings pages write."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        v = value.strip().lower().rsplit("/", 1)[-1]
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    return None


def _parts(obj: dict[str, Any]) -> list[dict[str, Any]]:
    parts = obj.get("hasPart")
    if isinstance(parts, dict):
        return [parts]
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


def declared_access(pm: PageMeta) -> bool | None:
    """What the JSON-LD and meta tags say: True free, False cut, None nothing."""
    said: bool | None = None
    objects = [pm.article] if pm.article else []
    objects += [o for o in pm.jsonld if o is not pm.article and
                any(t.lower() in ("webpage", "itempage") for t in _types(o))]
    for obj in objects:
        for part in [obj, *_parts(obj)]:
            flag = _flag(part.get("isAccessibleForFree"))
            if flag is False:
                return False
            if flag is True and said is None:
                said = True
    tier = (pm.first("article:content_tier") or "").strip().lower()
    if tier == "locked":
        return False
    if tier == "free" and said is None:
        said = True
    return said


def _types(obj: dict[str, Any]) -> list[str]:
    t = obj.get("@type")
    return [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] \
        if isinstance(t, list) else []


def _is_box(el: HtmlElement) -> bool:
    name = f"{el.get('class', '')} {el.get('id', '')}"
    if el.get("data-paywall") is None and not _PAYWALL_NAME.search(name):
        return False
    # a paragraph in the article's flow is left to the body's line filters: a box is a
    # container (a heading, a pitch, a button), not one <p> (Wired marks every <p> paywall)
    if el.tag in ("html", "body", "article", "main", "p"):
        return False
    text = " ".join(el.text_content().split())
    if not text or len(text) > MAX_BOX_CHARS or not (_CALL.search(text) or _CUT.search(text)):
        return False
    prose = sum(1 for p in el.iter("p") if len(" ".join(p.text_content().split())) >= PROSE)
    return prose <= MAX_BOX_PROSE


def paywall_boxes(tree: HtmlElement,
                  marked: list[HtmlElement] | None = None) -> list[HtmlElement]:
    """The page's subscription boxes, outermost only.  ``marked``: the page's
    ``Marked.paywall`` (the candidates), when found already."""
    boxes: list[HtmlElement] = []
    for el in marked_elements(tree).paywall if marked is None else marked:
        if any(b in el.iterancestors() for b in boxes):
            continue
        if _is_box(el):
            boxes.append(el)
    return boxes


def paywall_state(pm: PageMeta, tree: HtmlElement,
                  boxes: list[HtmlElement] | None = None) -> bool | None:
    """True: the page says its text is cut; False: it says it is free; None: nothing.
    ``boxes``: the page's ``paywall_boxes``, when found already."""
    access = declared_access(pm)
    if access is False:
        return True
    boxes = paywall_boxes(tree) if boxes is None else boxes
    # a box saying the text stops here, not any offer
    if any(_CUT.search(" ".join(box.text_content().split())) for box in boxes):
        return True
    return False if access is True else None


def drop_paywall_boxes(tree: HtmlElement, boxes: list[HtmlElement] | None = None) -> int:
    """Remove subscription boxes (their tail text stays); returns how many."""
    boxes = paywall_boxes(tree) if boxes is None else boxes
    for box in boxes:
        if box.getparent() is not None:
            box.drop_tree()
    return len(boxes)
