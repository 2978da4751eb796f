"""The SI-SDO notification Bundle (SDOBundleResultatRechercheNotificationESMS) read in: person, decision, requests.

One Task per (person, ESMS) pair: input idNat_Struct names the ESMS ("1" + FINESS, or the bare FINESS), idDecision
and idNat_Decision the decision, typeDroitPrestation its right. Relais also needs what the ANS example leaves out,
read from standard Task elements: the person (``Task.for``: a Patient entry of the Bundle, or an identifier, INS or
external reference, of a person already known) and the decision's validity (``Task.restriction.period``).
All or nothing (one transaction); a second import of the same Bundle changes nothing (the requests carry
``external_ref = sdo:<idNat_Decision>:<FINESS>``). Statuses in the Bundle are not applied: a notified request
starts at 39, and the ESMS report the next ones themselves (decision 0017).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from pydantic import ValidationError as PydanticValidationError

from relais.accounts.models import Organisation
from relais.audit.services import access_log_record
from relais.fhir.errors import FhirError, validation_error
from relais.fhir.registry import model_class
from relais.fhir.search import parse_int_id, parse_reference
from relais.offer.models import Site
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import DecisionKind, OrientationDecision
from relais.orientation.decisions.services import orientation_decision_create
from relais.orientation.policy import may_send_requests, persons_visible_to
from relais.orientation.requests.models import AdmissionRequest, Source
from relais.orientation.requests.services import admission_requests_send
from relais.persons import vigilance
from relais.persons.models import Person

from . import codes as c
from .inputs import TaskReader, invalid
from .task_in import owner_finess

GROUND = "orientation_request"
BUNDLE_TYPES = ("searchset", "collection")
_SEX = {"male": "M", "female": "F", "other": "I", "unknown": "I"}


def bundle_parse(data: Any) -> dict[str, Any]:
    """The JSON checked against the R4B Bundle model; 400 naming the path otherwise (the command's entry point)."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise invalid("Bundle.resourceType", "une ressource Bundle est attendue.")
    try:
        model_class("Bundle").model_validate(data)
    except PydanticValidationError as exc:
        raise validation_error("Bundle", exc) from None
    return data


@transaction.atomic
def sdo_notification_import(*, actor, bundle: dict[str, Any], confirm_new_person: bool = False) -> dict[str, Any]:
    """Create (or find back) the person, the decision and one request per ESMS. Returns the summary.
    A new person goes through identity vigilance: candidates refuse the import (409) unless `confirm_new_person` or
    the Patient's meta.tag says they were set aside (decision 0030)."""
    if not may_send_requests(actor):
        raise FhirError(403, "forbidden", "Seule une organisation d'orientation peut importer une notification SI-SDO.")
    # One import at a time per orientation organisation: a Bundle posted twice at once finds the first's rows.
    Organisation.objects.select_for_update().filter(pk=actor.organisation.pk).first()
    if bundle.get("type") not in BUNDLE_TYPES:
        raise invalid(
            "Bundle.type", f"type « {bundle.get('type')} » non pris en charge (attendu : {', '.join(BUNDLE_TYPES)})."
        )
    patients, tasks = {}, []
    for index, entry in enumerate(bundle.get("entry") or []):
        resource, path = entry.get("resource") or {}, f"Bundle.entry[{index}].resource"
        if resource.get("resourceType") == "Patient":
            for key in (entry.get("fullUrl"), f"Patient/{resource.get('id')}"):
                if key:
                    patients[key] = (path, resource)
        elif resource.get("resourceType") == "Task":
            tasks.append((path, resource))
    if not tasks:
        raise invalid("Bundle.entry", "aucune Task dans la notification.", code="required")

    notified = [_read_task(path, task) for path, task in tasks]
    first = notified[0]
    for item in notified[1:]:
        for key in ("decision_id", "national_id"):
            if item[key].data != first[key].data:
                raise invalid(
                    item[key].path,
                    f"toutes les Task doivent porter la même décision (« {first[key].data} »).",
                    status=422,
                )
    person, person_outcome = _person(actor, tasks, patients, confirm_new_person)
    decision, decision_created = _decision(actor, person, notified, tasks)

    sites = []
    for item in notified:
        if item["site"] not in sites:
            sites.append(item["site"])
    refs = {site.pk: _external_ref(first["national_id"].data, site.finess) for site in sites}
    existing = {r.external_ref: r for r in AdmissionRequest.objects.filter(external_ref__in=refs.values())}
    for request in existing.values():
        if request.person_id != person.pk:
            raise invalid(
                first["national_id"].path, "cette décision a déjà été notifiée pour une autre personne.", status=422
            )
    new_sites = [site for site in sites if refs[site.pk] not in existing]
    created = []
    if new_sites:
        key = "sdo:" + hashlib.sha256(json.dumps(sorted(refs.values())).encode()).hexdigest()[:40]
        try:
            created = admission_requests_send(
                actor=actor,
                person=person,
                sites_ranked=new_sites,
                decision=decision,
                idempotency_key=key,
                source=Source.FHIR,
            )
        except ValidationError as error:
            raise FhirError(422, "business-rule", " ".join(error.messages), expression="Bundle.entry") from None
        for request in created:
            request.external_ref = refs[request.site_id]
            request.save(update_fields=["external_ref", "updated_at"])
            access_log_record(
                actor=actor,
                action="update",
                obj=request,
                subject=f"persons.person:{person.pk}",
                ground=GROUND,
                detail=f"référence externe {request.external_ref}",
            )
    return {
        "person": {"id": person.pk, "outcome": person_outcome},
        "decision": {"id": decision.pk, "outcome": "created" if decision_created else "existing"},
        "requests": [
            {
                "id": request.pk,
                "site": request.site.finess,
                "external_ref": request.external_ref,
                "outcome": "created" if request in created else "existing",
            }
            for request in sorted([*created, *existing.values()], key=lambda r: r.wish_rank)
        ],
    }


def _external_ref(national_id: str, finess: str) -> str:
    ref = f"sdo:{national_id}:{finess}"
    return ref if len(ref) <= 100 else "sdo:" + hashlib.sha256(ref.encode()).hexdigest()[:60] + f":{finess}"


def _read_task(path: str, task: dict[str, Any]) -> dict[str, Any]:
    reader = TaskReader(task, path)
    # idNat_Struct names the ESMS; Task.owner (a FINESS identifier, a contained Organization) when it is absent.
    struct = reader.text(c.ID_NAT_STRUCT) or owner_finess(task, path) or reader.required_text(c.ID_NAT_STRUCT)
    finess = struct.data[1:] if len(struct.data) == 10 and struct.data.startswith("1") else struct.data
    site = Site.objects.filter(finess=finess).first() if len(finess) == 9 else None
    if site is None:
        raise invalid(
            struct.path,
            f"établissement « {struct.data} » inconnu (attendu : 1 + n° FINESS d'un établissement).",
            status=422,
            code="not-found",
        )
    rights = reader.concept(c.RIGHTS)
    return {
        "site": site,
        "decision_id": reader.required_text(c.DECISION_ID),
        "national_id": reader.required_text(c.NATIONAL_DECISION_ID),
        "rights": [_right(coding) for coding in (rights.data.get("coding") or [])] if rights else [],
    }


def _right(coding: dict[str, Any]) -> dict[str, str]:
    return {k: coding[k] for k in ("system", "code", "display") if coding.get(k)}


# --- The person ------------------------------------------------------------------------------------------------


def _person(actor, tasks, patients, confirm_new_person: bool = False) -> tuple[Person, str]:
    references = [(path, task.get("for")) for path, task in tasks]
    path, subject = references[0]
    if not subject:
        raise invalid(
            f"{path}.for",
            "la personne est obligatoire (Patient de la notification ou identifiant INS).",
            code="required",
        )
    for other_path, other in references[1:]:
        if other != subject:
            raise invalid(f"{other_path}.for", "toutes les Task doivent concerner la même personne.", status=422)
    reference = subject.get("reference")
    if reference:
        known = _known_person(actor, reference) if reference not in patients else None
        if known is not None:
            return known, "existing"
        if reference not in patients:
            raise invalid(
                f"{path}.for.reference", f"« {reference} » ne désigne aucun Patient de la notification.", status=422
            )
        patient_path, patient = patients[reference]
        return _person_from_patient(actor, patient_path, patient, confirm_new_person)
    identifier = subject.get("identifier") or {}
    person = _match(identifier.get("system"), (identifier.get("value") or "").strip())
    if person is None:
        raise invalid(
            f"{path}.for.identifier",
            "personne inconnue : joignez la ressource Patient à la notification.",
            status=422,
            code="not-found",
        )
    return _reachable(actor, person, f"{path}.for.identifier"), "existing"


def _known_person(actor, reference: str) -> Person | None:
    """Patient/<pk> of a person the sender already follows (never another one: same answer as a missing id)."""
    pk = parse_int_id(parse_reference(reference, "Patient") or "")
    return persons_visible_to(actor).filter(pk=pk, merged_into__isnull=True).first() if pk is not None else None


def _match(system: str | None, value: str) -> Person | None:
    if not value:
        return None
    lookup = Q(ins=value) if system in c.INS_SYSTEMS else Q(external_ref=value)
    person = Person.objects.filter(lookup).order_by("merged_into_id").first()
    while person is not None and person.merged_into_id is not None:  # the record kept by a merge
        person = person.merged_into
    return person


def _reachable(actor, person: Person, path: str) -> Person:
    """A person found by identifier, as on the web (``admission.services.admission_file_open``): one whose admission
    file another organisation writes stays out of reach unless the sender already follows them."""
    has_file = AdmissionFile.objects.filter(person=person).exists()
    if has_file and not persons_visible_to(actor).filter(pk=person.pk).exists():
        raise FhirError(
            403,
            "forbidden",
            f"{path} : cette personne est déjà suivie par une autre organisation : "
            "demandez-lui de vous associer au suivi.",
            expression=path,
        )
    return person


def _person_from_patient(actor, path: str, patient: dict[str, Any], confirm: bool = False) -> tuple[Person, str]:
    fields: dict[str, Any] = {}
    for index, identifier in enumerate(patient.get("identifier") or []):
        value = (identifier.get("value") or "").strip()
        person = _match(identifier.get("system"), value)
        if person is not None:
            return _reachable(actor, person, f"{path}.identifier[{index}]"), "existing"
        if identifier.get("system") in c.INS_SYSTEMS:
            fields["ins"] = value
        elif value and len(value) <= 64:
            fields.setdefault("external_ref", value)
    names = patient.get("name") or []
    family = (names[0].get("family") or "").strip() if names else ""
    given = " ".join(names[0].get("given") or []).strip() if names else ""
    if not family or not given:
        where = f"{path}.name[0].family" if not family else f"{path}.name[0].given"
        raise invalid(where, "nom de naissance et prénoms obligatoires.", code="required")
    if not patient.get("birthDate") or len(patient["birthDate"]) != 10:
        raise invalid(f"{path}.birthDate", "date de naissance complète (AAAA-MM-JJ) obligatoire.", code="required")
    if patient.get("gender") not in _SEX:
        raise invalid(f"{path}.gender", "sexe obligatoire (male, female, other ou unknown).", code="required")
    fields.update(
        family_name=family,
        first_names=given,
        birth_date=date.fromisoformat(patient["birthDate"]),
        sex=_SEX[patient["gender"]],
    )
    confirmed = confirm or vigilance.fhir_confirmed(patient)
    try:
        return vigilance.person_create_checked(actor=actor, ground=GROUND, confirmed_new=confirmed, **fields), "created"
    except vigilance.IdentityCandidates as found:
        pks = [m.other.pk for m in found.matches]
        visible = set(persons_visible_to(actor).filter(pk__in=pks).values_list("pk", flat=True))
        raise vigilance.fhir_conflict(found, path=path, visible_pks=visible) from None
    except ValidationError as error:
        raise FhirError(422, "business-rule", f"{path} : {' '.join(error.messages)}", expression=path) from None


# --- The decision ----------------------------------------------------------------------------------------------


def _decision(actor, person: Person, notified, tasks) -> tuple[OrientationDecision, bool]:
    decision_id = notified[0]["decision_id"]
    existing = OrientationDecision.objects.filter(person=person, mdph_decision_id=decision_id.data).first()
    if existing is not None:
        return existing, False
    period, period_path = {}, f"{tasks[0][0]}.restriction.period"
    for path, task in tasks:
        found = (task.get("restriction") or {}).get("period")
        if found:
            period, period_path = found, f"{path}.restriction.period"
            break
    if not period.get("end"):
        raise invalid(f"{period_path}.end", "fin de validité de la décision obligatoire.", code="required")
    authored = tasks[0][1].get("authoredOn")
    try:
        decision = orientation_decision_create(
            actor=actor,
            person=person,
            kind=DecisionKind.MDPH,
            mdph_decision_id=decision_id.data,
            decision_date=date.fromisoformat(authored[:10]) if authored else None,
            validity_start=date.fromisoformat(period["start"][:10]) if period.get("start") else None,
            validity_end=date.fromisoformat(period["end"][:10]),
            rights=next((item["rights"] for item in notified if item["rights"]), []),
            organisation=actor.organisation,
        )
    except ValidationError as error:
        raise FhirError(
            422, "business-rule", f"{period_path} : {' '.join(error.messages)}", expression=period_path
        ) from None
    return decision, True


def notification_create(actor, resource: dict[str, Any]) -> dict[str, Any]:
    """POST /fhir/Bundle: the summary as a collection Bundle (an OperationOutcome and the requests' Tasks)."""
    from .task_out import task_resource, visible_transitions

    summary = sdo_notification_import(actor=actor, bundle=resource)
    ids = [item["id"] for item in summary["requests"]]
    transitions = visible_transitions(actor).filter(request_id__in=ids, from_status="").order_by("pk")
    lines = [f"personne {summary['person']['outcome']}", f"décision {summary['decision']['outcome']}"]
    lines += [f"demande {r['external_ref']} {r['outcome']}" for r in summary["requests"]]
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": " ; ".join(lines)}],
    }
    entries = [{"resource": outcome}] + [{"resource": task_resource(t)} for t in transitions]
    return {
        "resourceType": "Bundle",
        "id": f"sdo-notification-{summary['decision']['id']}",
        "type": "collection",
        "entry": entries,
    }
