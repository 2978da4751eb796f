"""Writes of the admission file (administrative and medical parts), and the orientation-side steps that open it.

Keyword-only, atomic, traced in the access log about the person (ground ``orientation_request``). Who may write
what is ``policy.py``'s: ``may_edit_file`` for the administrative part, ``may_write_medical`` for the medical one.
A file also makes its author organisation see the person (``policy.persons_visible_to``): this is why a person
created on the orientation side gets their file in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from relais.audit.services import access_log_record
from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.requests.services import admission_requests_send
from relais.persons.models import Person
from relais.persons.vigilance import person_create_checked

GROUND = "orientation_request"
ADMIN_FIELDS = frozenset({"living_situation", "urgency", "urgency_reason", "wishes", "expected_entry", "commune"})
MEDICAL_FIELDS = ("gir", "care_needs", "medical_notes")


def _trace(actor, action: str, obj, person_id: int, detail: str = "") -> None:
    access_log_record(
        actor=actor, action=action, obj=obj, subject=f"persons.person:{person_id}", ground=GROUND, detail=detail
    )


def _refuse_unless_sender(actor) -> None:
    if not policy.may_send_requests(actor):
        raise PermissionDenied("Votre rôle ne permet pas de suivre l'orientation d'une personne.")


def _new_file(actor, person: Person, **fields) -> AdmissionFile:
    file = AdmissionFile(
        person=person,
        author=getattr(actor, "user", None),
        author_organisation=actor.organisation,
        **fields,
    )
    file.full_clean()
    file.save()
    _trace(actor, "create", file, person.pk, "dossier d'admission ouvert")
    return file


@transaction.atomic
def person_with_file_create(*, actor, confirmed_new: bool = False, **person_fields) -> tuple[Person, AdmissionFile]:
    """A new person and their (empty) admission file, authored by the actor's organisation, which so sees them.
    Identity vigilance first (`persons.vigilance`): candidates not set aside raise `IdentityCandidates`."""
    _refuse_unless_sender(actor)
    person = person_create_checked(actor=actor, ground=GROUND, confirmed_new=confirmed_new, **person_fields)
    return person, _new_file(actor, person)


@transaction.atomic
def admission_file_open(*, actor, person: Person) -> AdmissionFile:
    """The actor picked an existing person (a duplicate found before creating): open the file if there is none.
    A person whose file another organisation writes stays out of reach (the care circle decides sharing)."""
    _refuse_unless_sender(actor)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.merged_into_id is not None:
        raise ValidationError("Cette fiche a été fusionnée dans une autre : choisissez la fiche conservée.")
    file = AdmissionFile.objects.filter(person=person).first()
    if file is None:
        return _new_file(actor, person)
    if not policy.persons_visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionDenied(
            "Cette personne est déjà suivie par une autre organisation : demandez-lui de vous associer au suivi."
        )
    return file


@transaction.atomic
def admission_file_create_or_update(*, actor, person: Person, **admin_fields) -> AdmissionFile:
    """The administrative part (living situation, urgency and its reason, wishes, expected entry, commune)."""
    unknown = set(admin_fields) - ADMIN_FIELDS
    if unknown:
        raise TypeError(f"Unknown or non-administrative file fields: {', '.join(sorted(unknown))}")
    if not policy.may_edit_file(actor, person):
        raise PermissionDenied("Vous ne pouvez pas modifier le dossier d'admission de cette personne.")
    file = AdmissionFile.objects.select_for_update().filter(person=person).first()
    if file is None:
        return _new_file(actor, person, **admin_fields)
    changed = sorted(name for name, value in admin_fields.items() if getattr(file, name) != value)
    for name in changed:
        setattr(file, name, admin_fields[name])
    file.full_clean()
    file.save()
    _trace(actor, "update", file, person.pk, "volet administratif : " + (", ".join(changed) or "aucun changement"))
    return file


@transaction.atomic
def admission_file_medical_update(
    *, actor, person: Person, gir: int | None, care_needs: str, medical_notes: str
) -> AdmissionFile:
    """The medical part; its writer becomes its author (and so may read it back wherever the person goes)."""
    if not policy.may_write_medical(actor, person):
        raise PermissionDenied(
            "Seul·e un·e professionnel·le de santé qui suit la personne peut remplir le volet médical."
        )
    file = AdmissionFile.objects.select_for_update().filter(person=person).first()
    if file is None:
        file = _new_file(actor, person)
    file.gir, file.care_needs, file.medical_notes = gir, care_needs, medical_notes
    file.medical_author = actor.user
    file.medical_updated_at = timezone.now()
    file.full_clean()
    file.save()
    _trace(actor, "update", file, person.pk, "volet médical")
    return file


@transaction.atomic
def admission_requests_send_with_wishes(
    *, actor, person: Person, choices, decision=None, idempotency_key: str, wish_ranks=None, derogation: str = ""
) -> list:
    """``requests.services.admission_requests_send`` for ``choices`` = [(site, stay_on_list), …] in the person's
    order of wishes (or with the typed ``wish_ranks``; equal ranks refused), then each request's "stay on the list if
    admitted elsewhere" (the send service does not take it). ``derogation``: the justification for sending to an ESMS
    the decision does not cover. A replay (same key) returns the same requests; their wishes are set to the ones
    submitted."""
    choices = list(choices)
    requests = admission_requests_send(
        actor=actor,
        person=person,
        sites_ranked=[site for site, _stay in choices],
        decision=decision,
        idempotency_key=idempotency_key,
        wish_ranks=wish_ranks,
        derogation=derogation,
    )
    stay_by_site = {site.pk: bool(stay) for site, stay in choices}
    for request in requests:
        wanted = stay_by_site.get(request.site_id, request.stay_on_list)
        if request.stay_on_list != wanted:
            request.stay_on_list = wanted
            request.save(update_fields=["stay_on_list", "updated_at"])
            _trace(actor, "update", request, person.pk, f"rester sur la liste si admis·e ailleurs : {wanted}")
    return requests
