"""Reading the SI-SDO terminology from the database: the thin adapter the workflow reads it through.

``sdo_rules`` and ``concept_label`` are the only readers the pure ``workflow`` module needs; they are cached and
``terminology.services.terminology_load`` clears the cache after each load.
"""

from functools import lru_cache

from relais.orientation.terminology.models import CodeSystem, Concept, StatusReasonRule, SystemAlias
from relais.orientation.terminology.sources import normalise_system

STATUS_SYSTEM_NAME = "TRE_R357_StatutPersonnePriseCharge"
REASON_SYSTEM_NAME = "TRE_R358_MotifStatutPersonnePriseCharge"


def resolve_system(url: str) -> CodeSystem | None:
    """The code system a ``Coding.system`` names: its official URL or a known alias (value set URL, folder form)."""
    url = normalise_system(url)
    system = CodeSystem.objects.filter(url=url).first()
    if system is None:
        alias = SystemAlias.objects.select_related("code_system").filter(url=url).first()
        system = alias.code_system if alias else None
    return system


@lru_cache(maxsize=1)
def sdo_rules() -> dict[str, frozenset[str]]:
    """ASS_A32 as the workflow wants it: status code -> the reason codes allowed (and so required) for it."""
    rules: dict[str, set[str]] = {}
    for status, reason in StatusReasonRule.objects.values_list("status__code", "reason__code"):
        rules.setdefault(status, set()).add(reason)
    return {status: frozenset(reasons) for status, reasons in rules.items()}


@lru_cache(maxsize=1)
def _labels() -> dict[tuple[str, str], str]:
    rows = Concept.objects.values_list("code_system__name", "code", "display")
    return {(name, code): display for name, code, display in rows}


def concept_label(code: str, system: str = STATUS_SYSTEM_NAME) -> str:
    """The display of a TRE_R357 status (or, with ``system=REASON_SYSTEM_NAME``, a TRE_R358 reason); "" if unknown."""
    return _labels().get((system, str(code)), "")


def status_labels() -> dict[str, str]:
    return {code: display for (name, code), display in _labels().items() if name == STATUS_SYSTEM_NAME}


def clear_caches() -> None:
    sdo_rules.cache_clear()
    _labels.cache_clear()
