"""Which département a place typed in the public search lies in, when this instance has not loaded it.

An instance loads the geography of its territory only (`load_geography --departements`, the demo's one
département). A postcode, an INSEE code or a commune's name the database does not know is looked up in the national
COG list the npm package @etalab/decoupage-administratif ships (already installed for `load_geography`), so the
search can say « hors du territoire couvert » rather than "unknown" (decision 0037). Read once per process, on the
first miss only; without the package, nothing is known and the caller says so plainly.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field


def folded(text: str) -> str:
    """Accents, case and punctuation ignored: "Saint-Étienne" and "saint etienne" are the same name."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass
class NationalPlaces:
    departement_names: dict[str, str] = field(default_factory=dict)
    by_postcode: dict[str, set[str]] = field(default_factory=dict)  # postcode -> département codes
    by_insee: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=dict)  # folded name -> département codes


@functools.lru_cache(maxsize=1)
def national_places() -> NationalPlaces:
    from relais.territory.geography import cog_directory

    places = NationalPlaces()
    directory = cog_directory()
    try:
        departements = json.loads((directory / "departements.json").read_text(encoding="utf-8"))
        communes = json.loads((directory / "communes.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return places
    places.departement_names = {d["code"]: d["nom"] for d in departements if "code" in d and "nom" in d}
    for commune in communes:
        if commune.get("type") != "commune-actuelle" or "departement" not in commune:
            continue
        departement = commune["departement"]
        places.by_insee[commune["code"]] = departement
        places.by_name.setdefault(folded(commune.get("nom", "")), set()).add(departement)
        for postcode in commune.get("codesPostaux", []):
            places.by_postcode.setdefault(postcode, set()).add(departement)
    return places


def departements_of(*, code: str = "", name: str = "") -> list[str]:
    """The names of the départements a postcode, INSEE code or commune name belongs to nationally; [] if none."""
    places = national_places()
    if code:
        codes = set(places.by_postcode.get(code, set()))
        if code in places.by_insee:
            codes.add(places.by_insee[code])
    else:
        codes = places.by_name.get(folded(name), set())
    return [places.departement_names.get(c, c) for c in sorted(codes)]
