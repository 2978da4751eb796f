"""FHIR Schedule, Slot and Appointment following the ANS shared-agenda guide (GAP: gap-fr-schedule, gap-fr-slot,
gap-fr-appointment, whose parents are FR Core 2.0.1's Schedule, Slot and Appointment profiles).

Schedule (an agenda) and Slot carry no personal data and no video link: any identified actor (user or API client)
reads them. Appointment is about a person: read and search ask ``policy.decide`` for the person's PLAN (a refusal is
a 404, totals count only what is allowed), create books a free Relais slot through ``services.appointment_book``
(same rules as the screen). References must be Relais ones (``Slot/<id>``, ``Patient/<id>``): anything else, such
as the absolute URLs of the ANS example, is refused with an OperationOutcome naming the path.

Who holds the agenda (FR Core: Schedule.actor and Appointment.participant.actor are never an Organization): a
professional's agenda is a PractitionerRole (the professional at the organisation), an organisation's agenda is a
Location (the organisation's place); both are contained in the resource (Relais serves neither type) and name the
practitioner (RPPS or Relais user) and the organisation (FINESS when known). See decision 0052.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from relais.fhir.errors import FhirError
from relais.fhir.registry import SearchParam
from relais.fhir.search import date_filter
from relais.pathway.access import fhir_common as c
from relais.pathway.access import matrix as m

from . import services as svc
from .models import Agenda, Appointment, AppointmentStatus, Slot

GAP = "https://interop.esante.gouv.fr/ig/fhir/gap/StructureDefinition/"
SCHEDULE_PROFILE = GAP + "gap-fr-schedule"
SLOT_PROFILE = GAP + "gap-fr-slot"
APPOINTMENT_PROFILE = GAP + "gap-fr-appointment"
FR_CORE_APPOINTMENT_PROFILE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-appointment"
# FR Core 2.0.1: who created (or cancelled) the appointment, Organization, Practitioner, Patient or RelatedPerson.
OPERATOR_EXTENSION = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-appointment-operator"
AGENDA_SYSTEM = "urn:relais:agenda"
SLOT_SYSTEM = "urn:relais:agenda-slot"
APPOINTMENT_SYSTEM = "urn:relais:appointment"
HOLDER_ID = "holder"  # the id of the contained PractitionerRole or Location that holds the agenda
SLOT_KIND_SYSTEM = "urn:relais:agenda-slot-kind"
VIDEO_LINK_EXTENSION = "urn:relais:fhir:extension:video-link"
SCHEDULE_PARAMS = [SearchParam("active", "token", "true ou false.")]
SLOT_PARAMS = [
    SearchParam("schedule", "reference", "Schedule/<id> : les créneaux de cet agenda."),
    SearchParam("status", "token", "free ou busy."),
    SearchParam("start", "date", "ge2026-11-24, lt2026-12-01… (début du créneau)."),
]
APPOINTMENT_PARAMS = [
    SearchParam("patient", "reference", "Patient/<id> : les rendez-vous de cette personne."),
    SearchParam("status", "token", "booked ou cancelled."),
]


def _identified(actor) -> bool:
    return actor is not None and (getattr(actor, "user", None) or getattr(actor, "api_client", None)) is not None


def _kind(slot: Slot) -> list[dict[str, Any]]:
    return [{"coding": [c.coding(SLOT_KIND_SYSTEM, slot.kind, slot.get_kind_display())]}]


def _practitioner(user) -> dict[str, Any]:
    identifier = (
        {"system": c.RPPS_SYSTEM, "value": f"8{user.rpps}"}
        if user.rpps
        else {"system": c.USER_SYSTEM, "value": str(user.pk)}
    )
    return {"type": "Practitioner", "identifier": identifier, "display": user.get_full_name() or user.email}


def _holder_resource(agenda: Agenda) -> dict[str, Any]:
    """The contained PractitionerRole (a professional's agenda) or Location (an organisation's agenda)."""
    organisation = c.organisation_reference(agenda.organisation)
    if agenda.owner_id is not None:
        return {
            "resourceType": "PractitionerRole",
            "id": HOLDER_ID,
            "active": agenda.active,
            "practitioner": _practitioner(agenda.owner),
            "organization": organisation,
        }
    return {
        "resourceType": "Location",
        "id": HOLDER_ID,
        "status": "active" if agenda.active else "inactive",
        "name": agenda.organisation.name,
        "managingOrganization": organisation,
    }


def _holder(agenda: Agenda) -> list[dict[str, Any]]:
    """Schedule.actor / Appointment.participant.actor: the contained holder, typed; for a professional, the
    practitioner too (as in the guide's example: the role, then the practitioner)."""
    holder = _holder_resource(agenda)
    kind = holder["resourceType"]
    if agenda.owner_id is not None:
        name = agenda.owner.get_full_name() or agenda.owner.email
        display = f"{name}, {agenda.organisation.name}"
        return [{"reference": f"#{HOLDER_ID}", "type": kind, "display": display}, _practitioner(agenda.owner)]
    return [{"reference": f"#{HOLDER_ID}", "type": kind, "display": agenda.organisation.name}]


def schedule_to_fhir(agenda: Agenda) -> dict[str, Any]:
    return {
        "resourceType": "Schedule",
        "id": str(agenda.pk),
        "meta": {"profile": [SCHEDULE_PROFILE]},
        "contained": [_holder_resource(agenda)],
        "identifier": [{"use": "usual", "system": AGENDA_SYSTEM, "value": str(agenda.pk)}],
        "active": agenda.active,
        "actor": _holder(agenda),
        "comment": agenda.label,
    }


# The organisation's directory entry names its FINESS id: fetched with the rows, not once per row.
_DIRECTORY = ("organisation__directory_site", "organisation__directory_legalentity")


def _agendas():
    return Agenda.objects.select_related("owner", "organisation", *_DIRECTORY)


def read_schedule(actor, resource_id: str):
    pk = c.number(resource_id)
    agenda = _agendas().filter(pk=pk).first() if pk else None
    return schedule_to_fhir(agenda) if agenda is not None and _identified(actor) else None


def search_schedules(actor, params, offset: int, count: int):
    if not _identified(actor):
        return [], 0
    rows = _agendas().order_by("pk")
    for value in params.get("active", []):
        rows = rows.filter(active=value.strip() == "true")
    return [schedule_to_fhir(a) for a in rows[offset : offset + count]], rows.count()


def _booked():
    return Appointment.objects.filter(slot=OuterRef("pk"), status=AppointmentStatus.BOOKED)


def _local(moment, agenda: Agenda) -> str:
    """An instant with the offset of the place of the appointment (09:00+04:00 in La Réunion, decision 0034)."""
    return timezone.localtime(moment, agenda.zone).isoformat()


def slot_to_fhir(slot: Slot) -> dict[str, Any]:
    return {
        "resourceType": "Slot",
        "id": str(slot.pk),
        "meta": {"profile": [SLOT_PROFILE]},
        "identifier": [{"use": "usual", "system": SLOT_SYSTEM, "value": str(slot.pk)}],
        "serviceType": _kind(slot),
        "schedule": {"reference": f"Schedule/{slot.agenda_id}", "type": "Schedule"},
        "status": "busy" if slot.is_booked else ("busy-unavailable" if slot.withdrawn_at else "free"),
        "start": _local(slot.start, slot.agenda),
        "end": _local(slot.end, slot.agenda),
    }


def _slots():
    return (
        Slot.objects.annotate(is_booked=Exists(_booked()))
        .select_related("agenda__organisation")
        .order_by("start", "pk")
    )


def read_slot(actor, resource_id: str):
    pk = c.number(resource_id)
    slot = _slots().filter(pk=pk).first() if pk else None
    return slot_to_fhir(slot) if slot is not None and _identified(actor) else None


def search_slots(actor, params, offset: int, count: int):
    if not _identified(actor):
        return [], 0
    rows = _slots()
    for value in params.get("schedule", []):
        pk = c.number(value.strip().removeprefix("Schedule/"))
        if pk is None:
            raise FhirError(400, "invalid", f"schedule : référence invalide « {value} ».", expression="schedule")
        rows = rows.filter(agenda_id=pk)
    for value in params.get("status", []):
        wanted = {v.strip() for v in value.split(",")}
        if wanted - {"free", "busy"}:
            raise FhirError(400, "invalid", f"status : free ou busy attendu, reçu « {value} ».", expression="status")
        rows = rows.filter(is_booked="busy" in wanted) if len(wanted) == 1 else rows
    for value in params.get("start", []):
        rows = rows.filter(date_filter("start", "start", value))  # prefixes, precision, range: 400 naming it
    rows = rows.filter(withdrawn_at__isnull=True)
    return [slot_to_fhir(s) for s in rows[offset : offset + count]], rows.count()


def appointment_to_fhir(a: Appointment) -> dict[str, Any]:
    slot = a.slot
    patient = {"reference": f"Patient/{a.person_id}", "type": "Patient"}
    participants = [{"actor": patient, "required": "required", "status": "accepted"}]
    participants += [{"actor": holder, "required": "required", "status": "accepted"} for holder in _holder(slot.agenda)]
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(a.pk),
        "meta": {"profile": [APPOINTMENT_PROFILE, FR_CORE_APPOINTMENT_PROFILE]},
        "contained": [_holder_resource(slot.agenda)],
        "identifier": [{"use": "usual", "system": APPOINTMENT_SYSTEM, "value": str(a.pk)}],
        "status": "booked" if a.status == AppointmentStatus.BOOKED else "cancelled",
        "serviceType": _kind(slot),
        "start": _local(slot.start, slot.agenda),
        "end": _local(slot.end, slot.agenda),
        "minutesDuration": int((slot.end - slot.start).total_seconds() // 60),
        "slot": [{"reference": f"Slot/{slot.pk}", "type": "Slot"}],
        "created": c.instant(a.created_at),
        "participant": participants,
    }
    if a.purpose:
        resource["description"] = a.purpose
    if a.cancel_reason:
        resource["cancelationReason"] = {"text": a.cancel_reason}
    extensions = []
    operator = _operator(a)
    if operator:
        extensions.append({"url": OPERATOR_EXTENSION, "valueReference": operator})
    if slot.video_link:
        extensions.append({"url": VIDEO_LINK_EXTENSION, "valueUrl": slot.video_link})
    if extensions:
        resource["extension"] = extensions
    return resource


def _operator(a: Appointment) -> dict[str, Any] | None:
    """Who booked: the professional (Practitioner), else the organisation of an API client; the display alone
    (``booked_by``) is not a reference FR Core accepts, so an appointment without either has no operator."""
    if a.booked_by_user_id is not None:
        return _practitioner(a.booked_by_user) | {"display": a.booked_by or str(a.booked_by_user)}
    if a.booked_by_organisation_id is not None:
        return c.organisation_reference(a.booked_by_organisation)
    return None


def _appointments():
    return Appointment.objects.select_related(
        "slot__agenda__owner",
        *(f"slot__agenda__{name}" for name in _DIRECTORY),
        "person",
        "booked_by_user",
        "booked_by_organisation",
    )


def read_appointment(actor, resource_id: str):
    pk = c.number(resource_id)
    a = _appointments().filter(pk=pk).first() if pk else None
    if a is None or not c.allowed_read(actor, a.person, m.PLAN, a, "FHIR Appointment read"):
        return None
    return appointment_to_fhir(a)


def search_appointments(actor, params, offset: int, count: int):
    persons = c.visible_persons(actor, m.PLAN, c.patient_ids(params))
    rows = list(_appointments().filter(person__in=persons).order_by("slot__start", "pk"))
    for value in params.get("status", []):
        wanted = {v.strip() for v in value.split(",")}
        rows = [a for a in rows if ("booked" if a.status == AppointmentStatus.BOOKED else "cancelled") in wanted]
    shown = c.page(rows, offset, count)
    for a in shown:
        c.trace(actor, c.ask(actor, a.person, m.PLAN), a, a.person_id, "FHIR Appointment search")
    return [appointment_to_fhir(a) for a in shown], len(rows)


def _own_slot(reference: dict[str, Any]) -> dict[str, Any]:
    """``Slot/<id>``, or this server's absolute URL of it; a slot of another agenda manager is refused: GAP flow 6a
    (appointment creation after a search for availabilities) is sent to the manager that holds the slot."""
    raw = (reference or {}).get("reference", "")
    base = settings.SITE_URL.rstrip("/") + "/fhir/"
    if raw.startswith(base):
        return {"reference": raw.removeprefix(base)}
    if "://" in raw:
        path = "Appointment.slot[0].reference"
        raise FhirError(
            422,
            "not-found",
            f"{path} : « {raw} » est un créneau d'un autre gestionnaire d'agendas ; une demande de rendez-vous "
            "(flux 6a du volet GAP) s'adresse au gestionnaire qui détient le créneau : indiquez Slot/<id> de Relais.",
            expression=path,
        )
    return reference


def create_appointment(actor, resource: dict[str, Any]) -> dict[str, Any]:
    """Book a free Relais slot for the Patient participant."""
    slots = resource.get("slot") or []
    if len(slots) != 1:
        raise FhirError(
            422, "required", "Appointment.slot : un et un seul créneau attendu.", expression="Appointment.slot"
        )
    slot_id = c.reference_id(_own_slot(slots[0]), "Slot", "Appointment.slot[0].reference")
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None:
        path = "Appointment.slot[0].reference"
        raise FhirError(404, "not-found", f"{path} : Slot/{slot_id} introuvable.", expression=path)
    patients = [
        (i, p)
        for i, p in enumerate(resource.get("participant") or [])
        if "Patient" in (p.get("actor") or {}).get("reference", "")
    ]
    if len(patients) != 1:
        path = "Appointment.participant"
        raise FhirError(422, "required", f"{path} : un et un seul participant Patient attendu.", expression=path)
    index, participant = patients[0]
    path = f"Appointment.participant[{index}].actor"
    person, _decision = c.person_for_write(actor, participant.get("actor"), path, m.PLAN)
    try:
        appointment = svc.appointment_book(
            actor=actor, slot=slot, person=person, purpose=resource.get("description", "")
        )
    except PermissionDenied as exc:
        raise FhirError(403, "forbidden", str(exc), expression=path) from None
    except ValidationError as exc:
        text = " ".join(t for texts in exc.message_dict.values() for t in texts)
        raise FhirError(409, "conflict", text, expression="Appointment.slot[0]") from None
    return appointment_to_fhir(_appointments().get(pk=appointment.pk))


def register() -> None:
    from relais.fhir.registry import register as fhir_register

    fhir_register(
        "Schedule",
        read=read_schedule,
        search=search_schedules,
        search_params=SCHEDULE_PARAMS,
        profile=SCHEDULE_PROFILE,
        documentation="Agenda d'un·e professionnel·le (PractitionerRole) ou d'une organisation (Location), "
        "profil ANS gap-fr-schedule.",
    )
    fhir_register(
        "Slot",
        read=read_slot,
        search=search_slots,
        search_params=SLOT_PARAMS,
        profile=SLOT_PROFILE,
        documentation="Créneaux d'un agenda : libre (free) ou réservé (busy) ; sans donnée personnelle.",
    )
    fhir_register(
        "Appointment",
        read=read_appointment,
        search=search_appointments,
        create=create_appointment,
        search_params=APPOINTMENT_PARAMS,
        profile=APPOINTMENT_PROFILE,
        supported_profiles=[FR_CORE_APPOINTMENT_PROFILE],
        documentation="Rendez-vous d'une personne (profil ANS gap-fr-appointment) ; "
        "create réserve un créneau libre de Relais.",
    )
