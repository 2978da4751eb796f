"""Paging of long lists: where a page stands (« 51–100 sur 1 234 ») and links to the nearby pages, each keeping every
criterion of the query. Used by the public search (``offer/directory_pages.py``) and the MDPH work list
(``orientation/screens/views_worklist.py``); the template is ``web/_pages.html``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import QueryDict


@dataclass
class PageLink:
    number: int | None  # None: an ellipsis
    url: str = ""
    current: bool = False


@dataclass
class Pagination:
    label: str  # « 51–100 sur 1 234 »
    previous_url: str = ""
    next_url: str = ""
    links: list[PageLink] = field(default_factory=list)


def number(value: int) -> str:
    """A count the French way: thousands apart by a narrow no-break space (« 1 234 »)."""
    return f"{value:,}".replace(",", "\u202f")


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def query_url(path: str, query: QueryDict, page: int) -> str:
    """``path`` with ``query`` and ``page`` (none for page 1)."""
    kept = query.copy()
    kept.pop("page", None)
    if page > 1:
        kept["page"] = str(page)
    encoded = kept.urlencode()
    return path + (f"?{encoded}" if encoded else "")


def page_bar(*, current: int, pages: int, first: int, last: int, total: int, url: Callable[[int], str]):
    """The label and links of page ``current`` of ``pages`` showing rows ``first`` to ``last`` of ``total``;
    None when everything fits on one page."""
    if pages == 1 and current == 1:
        return None
    label = (
        f"{number(first)}–{number(last)} sur {number(total)}" if last >= first else f"Page {current} : aucun résultat"
    )
    shown = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    links, previous = [], 0
    for page in shown:
        if page > previous + 1:
            links.append(PageLink(None))
        links.append(PageLink(page, url(page), page == current))
        previous = page
    return Pagination(
        label=label,
        previous_url=url(current - 1) if current > 1 else "",
        next_url=url(current + 1) if current < pages else "",
        links=links,
    )
