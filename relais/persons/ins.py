"""The matricule INS (NIR or NIA, 13 characters + a 2-digit key) and the identity status of the RNIV.

Kept free of Django models so that the demo generator and the tests can use it.
"""

import re

from django.db import models

# Sex digit (1/2 NIR, 3/4 and 7/8 temporary numbers and NIA), year, month, birth place (2A/2B for Corsica), order, key.
INS_PATTERN = r"^[1-478][0-9]{4}([0-9]{2}|2A|2B)[0-9]{8}$"
_INS_RE = re.compile(INS_PATTERN)


class IdentityStatus(models.TextChoices):
    """Statuses of the Référentiel national d'identitovigilance (RNIV)."""

    PROVISIONAL = "PROV", "Identité provisoire"
    RECOVERED = "RECUP", "Identité récupérée"
    VALIDATED = "VALI", "Identité validée"
    QUALIFIED = "QUAL", "Identité qualifiée"


# Statuses that only exist with an INS returned by the national service (téléservice INSi).
STATUSES_WITH_INS = (IdentityStatus.RECOVERED, IdentityStatus.QUALIFIED)


class Sex(models.TextChoices):
    """The INS trait « sexe »: M, F or I (indéterminé)."""

    FEMALE = "F", "Féminin"
    MALE = "M", "Masculin"
    UNKNOWN = "I", "Indéterminé"


def nir_key(first13: str) -> int:
    """97 − (n mod 97), n being the 13 first characters, Corsica's 2A read as 19 and 2B as 18."""
    place = first13[5:7].upper()
    digits = first13[:5] + {"2A": "19", "2B": "18"}.get(place, place) + first13[7:]
    return 97 - int(digits) % 97


def ins_with_key(first13: str) -> str:
    return f"{first13}{nir_key(first13):02d}"


def ins_error(value: str) -> str | None:
    """A French message when `value` is not a well-formed matricule INS with the right key, else None."""
    if not _INS_RE.match(value or ""):
        return (
            "Le matricule INS comporte 15 caractères : 13 chiffres (2A ou 2B pour la Corse) et une clé de 2 chiffres."
        )
    if nir_key(value[:13]) != int(value[13:]):
        return "La clé du matricule INS ne correspond pas aux 13 premiers caractères."
    return None
