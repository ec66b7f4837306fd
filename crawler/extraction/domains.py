"""Host names and domain-like words, read with the Public Suffix List.

The list comes from the ``tld`` package (its bundled snapshot; trafilatura's URL
library, courlan, depends on it too, so it is loaded anyway); nothing is fetched.  A
host under a suffix the list does not know (``news.example``, an intranet name) is read
as if its last label were the suffix.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from tld import get_tld

# subdomains that name no site: "www.bbc.co.uk" is "bbc"
_PLAIN_SUBDOMAINS = frozenset({"www", "www1", "www2", "m", "mobile", "amp", "beta"})


@lru_cache(maxsize=4096)
def split_host(host: str) -> tuple[list[str], str, str]:
    """(subdomain labels, registrable name, public suffix) of a host name."""
    host = host.lower().strip(".")
    found = get_tld(host, fix_protocol=True, as_object=True, fail_silently=True)
    if found is not None and getattr(found, "domain", ""):
        sub = [label for label in (found.subdomain or "").split(".") if label]
        return sub, found.domain, found.tld
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return [], labels[0] if labels else "", ""
    return labels[:-2], labels[-2], labels[-1]


def host_names(url: str) -> list[str]:
    """Labels of a URL's host that may name its site: the registrable name and the
    subdomains that are not "www" ("edition" of edition.cnn.com, "cnn")."""
    host = urlsplit(url).hostname or ""
    if not host or host.replace(".", "").isdigit():
        return []
    sub, name, _ = split_host(host)
    return [label for label in sub if label not in _PLAIN_SUBDOMAINS] + ([name] if name else [])


@lru_cache(maxsize=4096)
def is_domain_name(text: str) -> bool:
    """A word that is a domain name under a listed public suffix: "Golem.de", "STERN.de",
    "Tageblatt.lu" (publishers credit and title themselves that way)."""
    text = text.strip()
    if not text or " " in text or "." not in text.strip("."):
        return False
    found = get_tld(text.lower(), fix_protocol=True, as_object=True, fail_silently=True)
    return found is not None and bool(getattr(found, "domain", ""))
