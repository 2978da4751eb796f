"""Identity-vigilance screens: correct an identity, the duplicates work list, compare and merge two records, declare
them different persons, the identity history.

Thin: scoping and roles are ``policy.py``'s (a person out of scope is a 404; in scope without an identity role, a
403), writes are ``persons.identity`` / ``persons.services``'s, and every page showing a person writes a "read" entry.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from relais.agenda.models import Appointment
from relais.audit.services import access_log_list_record, access_log_record
from relais.evaluations.models import FormResponse
from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.screens.forms_identity import CORRECTION_FIELDS, DismissForm, IdentityCorrectionForm, MergeForm
from relais.orientation.screens.views_persons import _actor, _errors
from relais.pathway.circle.models import CoordinationRecord
from relais.persons import identity
from relais.persons.identity import GROUND, trait_label
from relais.persons.ins import IdentityStatus, Sex
from relais.persons.services import person_merge

WORKLIST_LIMIT = 100
COMPARED = (*CORRECTION_FIELDS, "ins")  # the correctable traits, and the INS (never typed, only compared)


def _read(actor, person, detail: str) -> None:
    access_log_record(
        actor=actor, action="read", obj=person, subject=f"persons.person:{person.pk}", ground=GROUND, detail=detail
    )


def _person_or_404(actor, pk: int):
    person = policy.identity_persons_visible_to(actor).filter(pk=pk).first()
    if person is None:
        raise Http404("Personne introuvable.")
    return person


def _manager_or_403(actor) -> None:
    if not policy.may_manage_identity(actor):
        raise PermissionDenied("Votre rôle ne permet pas de corriger ou de fusionner des identités.")


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "birth_date" or (isinstance(value, str) and name.endswith("date")):
        try:
            return (value if isinstance(value, date) else date.fromisoformat(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if name == "sex":
        return Sex(value).label if value in Sex.values else value
    if name == "identity_status":
        return IdentityStatus(value).label if value in IdentityStatus.values else value
    if name == "ins_from_national_service":
        return "oui" if value else "non"
    if name == "merged_into":
        return f"fiche n° {value}"
    return str(value)


# --- Correction -------------------------------------------------------------------------------------------------


def identity_correct(request, pk: int):
    actor = _actor(request)
    person = _person_or_404(actor, pk)
    _manager_or_403(actor)
    if person.merged_into_id is not None:
        messages.error(request, "Cette fiche a été fusionnée : corrigez la fiche conservée.")
        return redirect("orientation:identity_history", pk=person.merged_into_id)
    form = IdentityCorrectionForm(request.POST or None, person=person, prefix="identite")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            result = identity.person_identity_correct(actor=actor, person=person, reason=reason, **data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, "Identité corrigée.")
            if result.notice:
                messages.warning(request, result.notice)
            return redirect("orientation:identity_history", pk=person.pk)
    _read(actor, person, "correction de l'identité")
    context = {"person": person, "form": form, "linked_to_ins": person.identity_status in ("RECUP", "QUAL")}
    return render(request, "orientation/identity/correct.html", context, status=400 if form.errors else 200)


# --- History ----------------------------------------------------------------------------------------------------


def identity_history_view(request, pk: int):
    actor = _actor(request)
    person = _person_or_404(actor, pk)
    events = identity.identity_history(person)
    scope = policy.identity_persons_visible_to(actor)
    may_manage = policy.may_manage_identity(actor) and person.merged_into_id is None
    candidates = identity.person_duplicates_undismissed(actor=actor, person=person) if may_manage else []
    visible = set(
        scope.filter(pk__in={e.other_person_id for e in events} | {m.other.pk for m in candidates}).values_list(
            "pk", flat=True
        )
    )
    rows = []
    for event in events:
        names = [n for n in event.after if n in event.before] + [n for n in event.after if n not in event.before]
        rows.append(
            {
                "event": event,
                "changes": [
                    (trait_label(n), _shown(n, event.before.get(n)), _shown(n, event.after.get(n))) for n in names
                ],
                "other_visible": event.other_person_id in visible,
            }
        )
    _read(actor, person, "historique de l'identité")
    context = {
        "person": person,
        "rows": rows,
        "may_manage": may_manage,
        "candidates": [m for m in candidates if m.other.pk in visible],
    }
    return render(request, "orientation/identity/history.html", context)


# --- Duplicates -------------------------------------------------------------------------------------------------


def duplicates(request):
    actor = _actor(request)
    if actor is None or not actor.reads_personal_data:
        raise PermissionDenied("Votre rôle ne donne pas accès aux données des personnes.")
    _manager_or_403(actor)
    persons = list(policy.identity_persons_visible_to(actor).filter(merged_into__isnull=True))
    pairs = identity.duplicate_pairs_among(persons)[:WORKLIST_LIMIT]
    shown = {p.pk: p for a, m in pairs for p in (a, m.other)}
    access_log_list_record(  # one entry for the list, each person readable in it (decision 0047)
        actor=actor,
        object_type="persons.person",
        rows=[(f"persons.person:{pk}", pk, GROUND) for pk in shown],
        detail="liste des doublons possibles",
    )
    return render(request, "orientation/identity/duplicates.html", {"pairs": pairs, "limit": WORKLIST_LIMIT})


def _attached(person) -> list[tuple[str, int]]:
    return [
        ("demandes d'admission", person.admission_requests.count()),
        ("décisions d'orientation", person.orientation_decisions.count()),
        ("dossier d'admission", AdmissionFile.objects.filter(person=person).count()),
        ("dossier de coordination", CoordinationRecord.objects.filter(person=person).count()),
        ("rendez-vous", Appointment.objects.filter(person=person).count()),
        ("évaluations", FormResponse.objects.filter(person=person).count()),
        ("représentant·es légaux", person.representatives.count()),
    ]


def _pair_or_404(actor, pk: int, other_pk: int):
    if pk == other_pk:
        raise Http404("Choisissez deux fiches différentes.")
    return _person_or_404(actor, pk), _person_or_404(actor, other_pk)


def compare(request, pk: int, other_pk: int):
    actor = _actor(request)
    a, b = _pair_or_404(actor, pk, other_pk)
    _manager_or_403(actor)
    merge_form = MergeForm(request.POST or None, pair=(a, b), prefix="fusion")
    errors = []
    if request.method == "POST" and merge_form.is_valid():
        keep, duplicate = (a, b) if merge_form.cleaned_data["keep"] == str(a.pk) else (b, a)
        try:
            person_merge(
                actor=actor, keep=keep, duplicate=duplicate, ground=GROUND, reason=merge_form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(
                request, f"Fiches fusionnées : la fiche n° {duplicate.pk} est rattachée à la fiche n° {keep.pk}."
            )
            return redirect("orientation:identity_history", pk=keep.pk)
    match = next(iter(identity.duplicate_pairs_among([a, b])), None)
    rows = [
        (trait_label(n), _shown(n, getattr(a, n)), _shown(n, getattr(b, n)), getattr(a, n) != getattr(b, n))
        for n in COMPARED
    ]
    for person in (a, b):
        _read(actor, person, "comparaison de deux fiches (identitovigilance)")
    context = {
        "a": a,
        "b": b,
        "rows": rows,
        "attached": list(zip(_attached(a), _attached(b), strict=True)),
        "match": match[1] if match else None,
        "merge_form": merge_form,
        "dismiss_form": DismissForm(prefix="ecarter"),
        "errors": errors,
        "merged": a.merged_into_id is not None or b.merged_into_id is not None,
    }
    status = 400 if (errors or merge_form.errors) else 200
    return render(request, "orientation/identity/compare.html", context, status=status)


@require_POST
def dismiss(request, pk: int, other_pk: int):
    actor = _actor(request)
    a, b = _pair_or_404(actor, pk, other_pk)
    _manager_or_403(actor)
    form = DismissForm(request.POST, prefix="ecarter")
    if not form.is_valid():
        messages.error(request, "Indiquez pourquoi ce ne sont pas les mêmes personnes.")
        return redirect("orientation:identity_compare", pk=a.pk, other_pk=b.pk)
    try:
        identity.person_duplicate_dismiss(actor=actor, person=a, other=b, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
        return redirect("orientation:identity_compare", pk=a.pk, other_pk=b.pk)
    messages.success(
        request, f"Fiches n° {a.pk} et n° {b.pk} : ce ne sont pas les mêmes personnes, ce doublon ne sera plus proposé."
    )
    return redirect("orientation:identity_duplicates")
