"""The SI-SDO part of the FHIR type Task: status changes of admission requests (decision 0017).

Registered by ``relais.orientation.fhir.register()``; the shared plan's actions are the other part, registered by
``relais.pathway.fhir.register()``. The orientation app comes first in INSTALLED_APPS, so status changes come first
in the search union, then plan actions.
"""

from __future__ import annotations

from typing import Any

from relais.fhir.search import parse_int_id
from relais.fhir.shared import TypePart

from . import task_in, task_out
from .codes import SDO_TASK_PROFILE, TASK_PROFILES
from .inputs import input_name

SDO_INPUTS = frozenset({"statutESMS", "statutUnite", "idNat_Struct"})


def is_sdo_task(resource: dict[str, Any]) -> bool:
    """A status report of an ESMS record system: the sdo-task profile, or SI-SDO status inputs."""
    profiles = (resource.get("meta") or {}).get("profile") or []
    inputs = {input_name(item) for item in resource.get("input") or []}
    return any(p in TASK_PROFILES for p in profiles) or bool(SDO_INPUTS & inputs)


SDO_TASK_PART = TypePart(
    name="SI-SDO",
    owns_id=lambda resource_id: parse_int_id(resource_id) is not None,
    read=task_out.read_task,
    search=task_out.search_tasks,
    search_params=tuple(task_out.SEARCH_PARAMS),
    create=task_in.task_receive,
    owns_resource=is_sdo_task,
    profile=SDO_TASK_PROFILE,
    documentation="Deux sortes de tâches, chacune avec sa propre règle d'accès : les changements de statut SI-SDO "
    "des demandes d'admission (forme SDOTask, id numérique ; création = un logiciel d'ESMS rapporte un statut)",
)
