"""Crawl the public (anonymous) pages and look for personal data in them (decision 0032).

Pure helpers, no ORM: ``PersonalTerms`` is built by the test from the database, ``find_personal`` scans a text,
``links_of`` lists the same-site links of an HTML page or a JSON answer.

Matching is on normalised text (no accents, lower case, words only), so "Noa Démo-Admissions", "DEMO-ADMISSIONS Noa"
and "noa demo admissions" all match. To stay free of false positives on places and organisations (synthetic names
share words with streets and communes): a person's full name matches in both orders, only when it has two words or
more; a last name alone matches only for staff (``User``), and only when no directory or commune label holds it;
e-mails match whole, and by their local part followed by "@" (a truncated "admissions.esms@…").
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9.-]*")
_HREF = re.compile(r"""(?:href|src|hx-get|action)\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
MAX_WORDS = 6
HOSTS = ["http://testserver"]  # the test adds settings.SITE_URL (FHIR's fullUrl and links use it)


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space, padded with spaces."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " " + _NOT_WORD.sub(" ", plain).strip() + " "


def words_of(text: str) -> tuple[str, ...]:
    return tuple(normalise(text).split())


@dataclass
class PersonalTerms:
    """What must not appear: phrases (tuples of normalised words) and e-mails, each with who it belongs to."""

    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # full address, and "local@"
    public_words: set[str] = field(default_factory=set)  # words of directory and commune labels
    public_emails: set[str] = field(default_factory=set)  # organisations' generic addresses
    public_locals: set[str] = field(default_factory=set)  # and their local parts

    def add_public_label(self, label: str) -> None:
        self.public_words.update(words_of(label))

    def add_public_email(self, email: str) -> None:
        email = (email or "").strip().lower()
        if "@" in email:
            self.public_emails.add(email)
            self.public_locals.add(email.split("@")[0])

    def add_person(self, who: str, *, first: str = "", last: str = "", full: str = "", staff: bool = False) -> None:
        firsts, lasts = words_of(first), words_of(last)
        if firsts and lasts:
            self.phrases.setdefault(firsts + lasts, who)
            self.phrases.setdefault(lasts + firsts, who)
            # The first given name alone with the last name ("Jean Dupont" for "Jean Marie Dupont").
            self.phrases.setdefault(firsts[:1] + lasts, who)
            self.phrases.setdefault(lasts + firsts[:1], who)
        if full and len(words_of(full)) >= 2:
            self.phrases.setdefault(words_of(full), who)
        if staff and lasts and len("".join(lasts)) >= 4 and not set(lasts) & self.public_words:
            self.phrases.setdefault(lasts, who)

    def add_email(self, who: str, email: str) -> None:
        email = (email or "").strip().lower()
        if "@" not in email or email in self.public_emails:
            return
        self.emails.setdefault(email, who)
        local = email.split("@")[0]
        if len(local) >= 4 and local not in self.public_locals:
            self.emails.setdefault(local + "@", who)


def find_personal(terms: PersonalTerms, text: str) -> list[tuple[str, str]]:
    """(what matched, whose it is) for every personal term found in ``text``."""
    found = []
    words = normalise(html.unescape(text)).split()
    lengths = {len(phrase) for phrase in terms.phrases}
    seen = set()
    for size in sorted(lengths):
        for start in range(len(words) - size + 1):
            gram = tuple(words[start : start + size])
            if gram in terms.phrases and gram not in seen:
                seen.add(gram)
                found.append((" ".join(gram), terms.phrases[gram]))
    for match in set(_EMAIL.findall(html.unescape(text).lower())):
        for candidate in (match, match.partition("@")[0] + "@"):
            if candidate in terms.emails:
                found.append((candidate, terms.emails[candidate]))
                break
    return found


def _same_site(url: str) -> str | None:
    url = html.unescape(url.strip())
    for host in HOSTS:
        if url.startswith(host + "/"):
            url = url[len(host) :]
    if not url.startswith("/") or url.startswith("//"):
        return None
    if url.startswith(("/static/", "/media/")):
        return None
    return url


def _json_strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def links_of(content_type: str, text: str) -> list[str]:
    """Same-site links of a page (href, src, hx-get, GET form actions) or of a JSON answer (its URL strings)."""
    if "json" in content_type:
        try:
            data = json.loads(text)
        except ValueError:
            return []
        starts = (*(host + "/" for host in HOSTS), "/api/", "/fhir/", "/offre/")
        candidates = [s for s in _json_strings(data) if s.startswith(starts)]
    elif "html" in content_type:
        candidates = _HREF.findall(text)
    else:
        return []
    return [url for url in map(_same_site, candidates) if url]
