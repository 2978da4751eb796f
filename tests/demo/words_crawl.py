"""Finding raw codes on a page (decision 0038): what a person reads must be words, the codes in tooltips only.

``visible_text`` keeps what a reader sees: tags and their attributes go (so an ``<abbr title="Code SI-SDO 71 — …">``
keeps only its word), scripts and styles go, entities are decoded. ``raw_codes`` then looks for:
- an SI-SDO status or reason code named as one: after "statut"/"motif"/"code", before or after an arrow, before a
  dash or a guillemet ("42 — Liste d'attente…", "statut 49", "→ 72"), or a list of codes in brackets ("(39, 40, 41)");
- a badge whose whole text is a code (``<span class="badge">42</span>``);
- a raw ``snake_case`` or ``prefix:code`` token (``care_team``, ``subscription:consent``).
Numbers in other places (dates, counts, FINESS, distances) are left alone: "42" alone on a page is not a status.
"""

from __future__ import annotations

import html as html_lib
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

from relais.orientation.terminology.sources import read_terminology

_TERMINOLOGY = read_terminology()
SDO_CODES = frozenset(_TERMINOLOGY.code_systems[0].concepts) | frozenset(_TERMINOLOGY.code_systems[1].concepts)
# "42 — Liste d'attente…": a code then its official label (a département or a FINESS category is followed by its name).
_LABEL_STARTS = {
    code: {str(label)[:12] for system in _TERMINOLOGY.code_systems if (label := system.concepts.get(code))}
    for code in SDO_CODES
}

_DROP = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<[^>]+>")
_BADGE = re.compile(r"<(?:span|strong|b|em)\b[^>]*class=\"[^\"]*\bbadge\b[^\"]*\"[^>]*>\s*(\d{2,3})\s*</", re.I)
_CODE = r"(\d{2,3})\b"
_NAMED = re.compile(r"\b(?:statuts?|motifs?|codes?|status)\s*(?:SI-SDO\s*)?(?:n°\s*)?:?\s*«?\s*" + _CODE, re.I)
_BEFORE = re.compile(r"(?<![\d/.,:])\b" + _CODE + r"\s*(?:«|→)")
_DASHED = re.compile(r"(?<![\d/.,:])\b" + _CODE + r"\s*—\s*(.{12})")
_AFTER = re.compile(r"→\s*" + _CODE)
_LIST = re.compile(r"\(\s*(\d{2,3}(?:\s*,\s*\d{2,3})+)\s*\)")
_SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?::[a-z][a-z0-9_]*)?(?![\w/@-])")
_PREFIXED = re.compile(r"(?<![\w./@-])[a-z][a-z0-9_]*:[a-z][a-z0-9_]*(?![\w/@-])")


def visible_text(page: str) -> str:
    text = _TAG.sub(" ", _COMMENT.sub(" ", _DROP.sub(" ", page)))
    return " ".join(html_lib.unescape(text).split())


def raw_codes(page: str) -> list[str]:
    """Each raw code a reader would see on the page, with a little context to find it."""
    found = [f"badge « {m.group(1)} »" for m in _BADGE.finditer(page) if m.group(1) in SDO_CODES]
    text = visible_text(page)

    def context(match: re.Match) -> str:
        return "…" + text[max(0, match.start() - 40) : match.end() + 30] + "…"

    for pattern in (_NAMED, _BEFORE, _AFTER):
        found += [context(m) for m in pattern.finditer(text) if m.group(1) in SDO_CODES]
    for match in _DASHED.finditer(text):
        if match.group(1) in SDO_CODES and match.group(2) in _LABEL_STARTS[match.group(1)]:
            found.append(context(match))
    for match in _LIST.finditer(text):
        codes = [code.strip() for code in match.group(1).split(",")]
        if all(code in SDO_CODES for code in codes):
            found.append(context(match))
    found += [context(m) for m in _SNAKE.finditer(text)]
    found += [context(m) for m in _PREFIXED.finditer(text) if "_" not in m.group(0).split(":")[0]]  # else: _SNAKE
    return found


_HREF = re.compile(r"""<a\b[^>]*\bhref=["']([^"'#]+)""", re.I)
# Links a crawl does not follow: leaving the session, files, the public offer (crawled by its own test), APIs.
SKIP = re.compile(
    r"^/(compte/deconnexion|static/|media/|api/|fhir/|offre/\?|admin/)|[?&](format|export)=|/export|\.ics$"
)


def links_of(page: str, base: str) -> list[str]:
    out = []
    for href in _HREF.findall(page):
        url = urljoin(base, html_lib.unescape(href))
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(path):
            out.append(path)
    return out


def crawl(
    client, starts: list[str], *, max_pages: int, per_pattern: int = 3, shapes: dict[str, int] | None = None
) -> tuple[dict[str, list[str]], list[str]]:
    """Breadth-first from ``starts``: each page's raw codes (pages with none are left out), and the pages read.

    Pages that differ only by their ids (``/orientation/esms/demandes/12/``, ``/13/``…) are visited ``per_pattern``
    times at most: the same template with other rows, so a few are enough and the crawl stays short. Pass the same
    ``shapes`` to several crawls (one per role) to count the visits across them; ``starts`` are always read.
    """
    seen, queue, report, read = set(), deque(starts), {}, []
    patterns: dict[str, int] = {} if shapes is None else shapes
    visited = 0
    while queue and visited < max_pages:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        shape = re.sub(r"\d+", "N", path.split("?")[0])
        if patterns.get(shape, 0) >= per_pattern and path not in starts:
            continue
        patterns[shape] = patterns.get(shape, 0) + 1
        response = client.get(path)
        visited += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        read.append(path)
        codes = raw_codes(page)
        if codes:
            report[path] = codes
        queue.extend(link for link in links_of(page, path) if link not in seen)
    return report, read
