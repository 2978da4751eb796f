"""Which time zone applies: the one place that maps a territory to its legal time (decision 0034).

Metropolitan France (and Corsica) lives in Europe/Paris; the overseas départements and collectivities have their own
zones. A zone is derived, never stored: from an organisation's département, else its commune's (INSEE codes 97x;
onboarding copies the directory entry's commune), else its région; Europe/Paris when nothing says otherwise. No query
here: only the organisation's own columns are read, so the per-request activation costs nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

PARIS = ZoneInfo("Europe/Paris")

# Département (or collectivity) code -> IANA zone and a French label of its legal time.
OVERSEAS = {
    "971": ("America/Guadeloupe", "heure de la Guadeloupe"),
    "972": ("America/Martinique", "heure de la Martinique"),
    "973": ("America/Cayenne", "heure de la Guyane"),
    "974": ("Indian/Reunion", "heure de La Réunion"),
    "975": ("America/Miquelon", "heure de Saint-Pierre-et-Miquelon"),
    "976": ("Indian/Mayotte", "heure de Mayotte"),
    "977": ("America/St_Barthelemy", "heure de Saint-Barthélemy"),
    "978": ("America/Marigot", "heure de Saint-Martin"),
}
# Overseas régions (INSEE codes) -> their département, for an organisation that only knows its région (an ARS).
OVERSEAS_REGIONS = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}
_LABELS = dict(OVERSEAS.values())


def zone_for_departement(code: str | None) -> ZoneInfo:
    """The zone of a département code ("974", "29", "2A"); Europe/Paris for any metropolitan or unknown code."""
    entry = OVERSEAS.get((code or "").strip()[:3])
    return ZoneInfo(entry[0]) if entry else PARIS


def zone_for_commune(insee_code: str | None) -> ZoneInfo:
    """The zone of a commune from its INSEE code: overseas codes start with the three digits of their département."""
    return zone_for_departement((insee_code or "")[:3])


def organisation_zone(organisation) -> ZoneInfo:
    """The zone of an organisation's territory (the acting organisation's staff see "today" and times in it)."""
    if organisation is None:
        return PARIS
    if getattr(organisation, "departement_id", None):
        return zone_for_departement(organisation.departement_id)
    if getattr(organisation, "commune_id", None):
        return zone_for_commune(organisation.commune_id)
    region = getattr(organisation, "region_id", None)
    if region in OVERSEAS_REGIONS:
        return zone_for_departement(OVERSEAS_REGIONS[region])
    return PARIS


def zone_label(zone: ZoneInfo) -> str:
    """ "heure de La Réunion" for an overseas zone; "" for Europe/Paris (the default needs no words)."""
    return _LABELS.get(str(zone.key), "") if zone is not None else ""


def wall_clock(moment: datetime, zone: ZoneInfo) -> str:
    """ "12/03/2027 à 09:00" in the zone, followed by "(heure de La Réunion)" outside Europe/Paris: a notice read in
    Paris about an appointment in Saint-Denis says whose clock it is."""
    label = zone_label(zone)
    return f"{timezone.localtime(moment, zone):%d/%m/%Y à %H:%M}" + (f" ({label})" if label else "")


def local_now(zone: ZoneInfo, now: datetime | None = None) -> datetime:
    return timezone.localtime(now or timezone.now(), zone)


def local_today(zone: ZoneInfo, now: datetime | None = None) -> date:
    """ "Today" where the zone's people live (an organisation in 974 starts its day three hours before Paris)."""
    return local_now(zone, now).date()
