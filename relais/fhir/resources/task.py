"""Task: two kinds of Relais objects share this FHIR type, so it is registered here, like Organization.

- SI-SDO status changes of admission requests (relais/orientation/fhir, decision 0017): ids are plain numbers, the
  resources carry the sdo-task profile; ESMS record systems POST them to report a status.
- Actions of a person's shared plan (relais/pathway/fhir/task.py, decision 0019): ids are ``plan-<n>``.

Read dispatches on the id. Search returns the SI-SDO Tasks then the plan Tasks, each filtered by its own access
policy, with offset arithmetic so ``total`` and paging cover the union; parameters only SI-SDO Tasks have
(``_lastUpdated``, ``business-status``, ``owner``, ``focus``, ``_id``) restrict the search to them. Create dispatches on
the resource: the sdo-task profile or SI-SDO status inputs → a status report; anything else → a plan action.
"""

from __future__ import annotations

from typing import Any

from relais.orientation.fhir import task_in, task_out
from relais.orientation.fhir.codes import SDO_TASK_PROFILE
from relais.pathway.fhir import task as plan_task

from ..registry import register

SDO_ONLY_PARAMS = frozenset({"_lastUpdated", "business-status", "owner", "focus", "_id"})
SDO_INPUTS = frozenset({"statutESMS", "statutUnite", "idNat_Struct"})


def read(actor, resource_id: str) -> dict[str, Any] | None:
    if plan_task.is_plan_task_id(resource_id):
        return plan_task.read(actor, resource_id)
    return task_out.read_task(actor, resource_id)


def search(actor, params: dict[str, list[str]], offset: int, count: int) -> tuple[list[dict[str, Any]], int]:
    if SDO_ONLY_PARAMS & set(params):
        return task_out.search_tasks(actor, params, offset, count)
    # Each kind is searched once: its page (empty past its end) and its total; plan Tasks fill what is left.
    page, sdo_total = task_out.search_tasks(actor, params, offset, count)
    rest, plan_total = plan_task.search(actor, params, max(offset - sdo_total, 0), count - len(page))
    return page + rest, sdo_total + plan_total


def _is_sdo(resource: dict[str, Any]) -> bool:
    profiles = (resource.get("meta") or {}).get("profile") or []
    inputs = {((item.get("type") or {}).get("text") or "") for item in resource.get("input") or []}
    return SDO_TASK_PROFILE in profiles or bool(SDO_INPUTS & inputs)


def create(actor, resource: dict[str, Any]) -> dict[str, Any]:
    return task_in.task_receive(actor, resource) if _is_sdo(resource) else plan_task.create(actor, resource)


def register_task() -> None:
    names = {param.name for param in task_out.SEARCH_PARAMS}
    params = [*task_out.SEARCH_PARAMS, *(p for p in plan_task.SEARCH_PARAMS if p.name not in names)]
    register(
        "Task",
        read=read,
        search=search,
        create=create,
        search_params=params,
        documentation="Deux sortes de tâches : les changements de statut SI-SDO des demandes d'admission (forme "
        "SDOTask, id numérique ; création = un logiciel d'ESMS rapporte un statut) et les actions du plan "
        "personnalisé de coordination (id plan-<n>). Chacune suit sa propre règle d'accès.",
    )
