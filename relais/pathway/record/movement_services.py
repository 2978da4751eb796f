"""Writes of hospital movements (decision 0045): record an entry, a planned discharge, a discharge, the medical
content (reason for admission, discharge summary), from the record's screen or a hospital's FHIR Encounter.

``hospital_movement_save`` creates or changes one movement and tells the circle what changed, after the write:

- the facts (entry, planned discharge, discharge and destination) are SOCIAL data: the whole circle is notified
  (``person_event_emit(whole_circle=True)``), the referent coordinator included, each member still asked to the
  policy; the notice says what and when, never the hospital's name, a reason or a document (e-mail is not secure);
- the medical content is MEDICAL data: writing it needs the medical cell of the sharing matrix, and its notice
  reaches only the members who may read medical data (the GP with the right, not the coordinator);
- a discharge home plans the "retour à domicile" checklist's actions once (``home_return.py``).

Idempotent: saving the same facts again changes nothing and notifies nobody (the notices' keys carry the facts).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from relais.pathway import matrix as m
from relais.pathway import notification_kinds as kinds
from relais.pathway.events.services import person_event_emit
from relais.pathway.guard import allow, trace
from relais.pathway.record.home_return import home_return_plan
from relais.pathway.record.models import DocumentType
from relais.pathway.record.movements import Destination, HospitalMovement
from relais.pathway.record.services import document_upload

FACTS = ("hospital", "hospital_finess", "ward", "admitted_on", "planned_discharge_on", "discharged_on", "destination")
TEXTS = ("hospital", "hospital_finess", "ward", "destination", "destination_detail")
PLANNED_AHEAD = timedelta(days=366)
FLOOR = date(1900, 1, 1)
LABELS = {
    "hospital": "Établissement de santé",
    "admitted_on": "Entrée le",
    "planned_discharge_on": "Sortie prévue le",
    "discharged_on": "Sortie le",
    "destination": "Destination à la sortie",
}


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def movement_check(movement: HospitalMovement, *, today: date | None = None) -> None:
    """The movement's rules, in French and per field (the database checks the same invariants)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if not movement.hospital.strip():
        errors["hospital"] = "Nommez l'établissement de santé."
    if movement.hospital_finess and not (len(movement.hospital_finess) == 9 and movement.hospital_finess.isalnum()):
        errors["hospital_finess"] = "Le numéro FINESS a 9 caractères (chiffres, 2A ou 2B pour la Corse)."
    for name in ("admitted_on", "planned_discharge_on", "discharged_on"):
        value = getattr(movement, name)
        if value is not None and value < FLOOR:
            errors[name] = f"« {LABELS[name]} » ({_day(value)}) : date antérieure à 1900, vérifiez l'année."
    admitted, planned, discharged = movement.admitted_on, movement.planned_discharge_on, movement.discharged_on
    if admitted is not None and admitted > today + PLANNED_AHEAD:
        errors.setdefault("admitted_on", "Une entrée se prévoit au plus un an à l'avance.")
    if admitted and planned and planned < admitted:
        errors.setdefault(
            "planned_discharge_on",
            f"La sortie prévue ({_day(planned)}) ne peut pas précéder l'entrée ({_day(admitted)}).",
        )
    if discharged is not None:
        if admitted and discharged < admitted:
            errors.setdefault(
                "discharged_on", f"La sortie ({_day(discharged)}) ne peut pas précéder l'entrée ({_day(admitted)})."
            )
        elif discharged > today:
            errors.setdefault(
                "discharged_on",
                f"La sortie ({_day(discharged)}) n'a pas encore eu lieu : notez-la comme « sortie prévue ».",
            )
        if movement.destination not in Destination.values:
            errors["destination"] = "Choisissez la destination de la personne à sa sortie."
    elif movement.destination:
        errors["destination"] = "La destination se note avec la date de sortie."
    if errors:
        raise ValidationError(errors)


def _medical_write(actor, person, sentence: str):
    """The decision to write medical data, or a refusal that says what is medical and who may write it."""
    try:
        return allow(actor=actor, person=person, category=m.MEDICAL)
    except PermissionDenied:
        raise PermissionDenied(
            f"{sentence} les professionnels de santé du cercle de soins autorisés aux données médicales le notent."
        ) from None


@transaction.atomic
def hospital_movement_save(
    *, actor, person, movement: HospitalMovement | None = None, reason: str | None = None, source: str = "web", **facts
) -> HospitalMovement:
    """Create (``movement`` None) or change a movement of ``person``'s record. ``facts``: any of the fields of
    ``FACTS`` plus ``destination_detail``, ``identifier_system``, ``identifier_value``; what is not given is kept.
    ``reason`` (medical): None keeps it; a text needs the right to write medical data."""
    unknown = set(facts) - set(FACTS) - {"destination_detail", "identifier_system", "identifier_value"}
    if unknown:
        raise ValueError(f"Unknown movement fields: {sorted(unknown)}")
    decision = allow(actor=actor, person=person, category=m.SOCIAL)
    record = person.coordination_record
    if movement is None:
        movement = HospitalMovement(record=record, source=source)
        before: dict = {}
    else:
        movement = HospitalMovement.objects.select_for_update().get(pk=movement.pk, record=record)
        before = {name: getattr(movement, name) for name in FACTS}
    for name, value in facts.items():
        setattr(movement, name, (value or "").strip() if name in TEXTS or name.startswith("identifier") else value)
    if movement.discharged_on is None:
        movement.destination, movement.destination_detail = "", ""
    medical = None
    if reason is not None and reason.strip() != movement.reason:
        medical = _medical_write(actor, person, "Le motif d'hospitalisation est une donnée médicale : seuls")
        movement.reason = reason.strip()
    movement_check(movement)
    after = {name: getattr(movement, name) for name in FACTS}
    if before and after == before and medical is None and facts.get("destination_detail") is None:
        return movement  # the same facts again (a re-post): nothing to write, nobody to tell
    movement.recorded_by, movement.recorded_by_organisation = actor.public_label, actor.organisation
    movement.full_clean(exclude=["record", "discharge_summary", "recorded_by_organisation"])
    movement.save()
    trace(
        actor=actor,
        action="update" if before else "create",
        obj=movement,
        person=person,
        decision=decision,
        detail="mouvement hospitalier",
    )
    if medical is not None and movement.reason:
        trace(
            actor=actor,
            action="update",
            obj=movement,
            person=person,
            decision=medical,
            detail="motif d'hospitalisation",
        )
    tasks = home_return_plan(actor=actor, movement=movement, person=person, decision=decision)
    _notify(actor, person, movement, before, tasks, reason_changed=medical is not None and bool(movement.reason))
    return movement


def _notify(actor, person, movement: HospitalMovement, before: dict, tasks: list, *, reason_changed: bool) -> None:
    def emit(kind, summary: str, dedup: str, category: str = m.SOCIAL) -> None:
        person_event_emit(
            kind=kind.code,
            person=person,
            actor=actor,
            obj=movement,
            category=category,
            summary=summary,
            dedup=dedup,
            whole_circle=True,
        )

    planned = f", sortie prévue le {_day(movement.planned_discharge_on)}" if movement.planned_discharge_on else ""
    if not before or before.get("admitted_on") != movement.admitted_on:
        emit(
            kinds.HOSPITAL_ENTRY,
            f"Entrée à l'hôpital le {_day(movement.admitted_on)}{planned}",
            movement.admitted_on.isoformat(),
        )
    elif (
        movement.in_hospital
        and movement.planned_discharge_on
        and (before.get("planned_discharge_on") != movement.planned_discharge_on)
    ):
        emit(
            kinds.HOSPITAL_DISCHARGE_PLANNED,
            f"Sortie d'hôpital prévue le {_day(movement.planned_discharge_on)}",
            movement.planned_discharge_on.isoformat(),
        )
    if movement.discharged_on and (
        (before.get("discharged_on"), before.get("destination")) != (movement.discharged_on, movement.destination)
    ):
        done = f" ; {len(tasks)} actions de retour à domicile ajoutées au plan" if tasks else ""
        emit(
            kinds.HOSPITAL_DISCHARGE,
            f"Sortie d'hôpital le {_day(movement.discharged_on)} : {movement.get_destination_display().lower()}{done}",
            f"{movement.discharged_on.isoformat()}:{movement.destination}",
        )
    if reason_changed:
        emit(
            kinds.HOSPITAL_MEDICAL,
            "Motif d'hospitalisation noté (données médicales)",
            f"reason:{movement.updated_at.isoformat()}",
            m.MEDICAL,
        )


@transaction.atomic
def hospital_discharge_summary_attach(*, actor, person, movement: HospitalMovement, upload, title: str = ""):
    """The discharge summary as a medical document of the record (the upload checks of ``document_upload``), linked
    to the movement; only the members who may read medical data are told."""
    movement = HospitalMovement.objects.select_for_update().get(pk=movement.pk, record=person.coordination_record)
    if movement.discharged_on is None:
        raise ValidationError({"upload": "Le compte rendu de sortie se dépose une fois la sortie notée."})
    _medical_write(actor, person, "Le compte rendu de sortie est une donnée médicale : seuls")
    document = document_upload(
        actor=actor,
        person=person,
        upload=upload,
        title=(title or "").strip() or f"Compte rendu de sortie du {_day(movement.discharged_on)}",
        doc_type=DocumentType.REPORT,
        category=m.MEDICAL,
        notify=False,
    )
    movement.discharge_summary = document
    movement.save(update_fields=["discharge_summary", "updated_at"])
    person_event_emit(
        kind=kinds.HOSPITAL_MEDICAL.code,
        person=person,
        actor=actor,
        obj=movement,
        category=m.MEDICAL,
        summary="Compte rendu de sortie d'hôpital déposé (données médicales)",
        dedup=f"summary:{document.pk}",
        whole_circle=True,
    )
    return document
