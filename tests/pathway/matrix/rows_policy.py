"""Matrix rows « politique » : the policy function itself, one row per category and action, so that categories no
endpoint serves yet are still covered."""

from __future__ import annotations

from relais.pathway import matrix as m

from .framework import Endpoint, _policy

ENDPOINTS: list[Endpoint] = [
    Endpoint(f"politique : {category} / {action}", category, action, _policy(category, action))
    for category in m.CATEGORIES
    for action in (m.READ, m.WRITE)
]
