"""Orientation-side screens: the persons followed, creating one (duplicates first), the person's page (decisions,
admission file, requests and their history). Sending requests to several ESMS is in ``views_send.py``.

Thin: scoping is ``policy.py``'s (a person or request out of scope is a 404 like a missing id), writes are the
services', and every page showing a person's data writes a "read" entry in the access log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from relais.audit.services import access_log_record
from relais.offer.codes import CareMode
from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.admission.selectors import admission_file_parts, without_medical
from relais.orientation.admission.services import (
    GROUND,
    admission_file_create_or_update,
    admission_file_medical_update,
    admission_file_open,
    person_with_file_create,
)
from relais.orientation.decisions.services import orientation_decision_create
from relais.orientation.follow_up.admitted_elsewhere import admission_request_transition_closing_others
from relais.orientation.requests import services
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.screens.forms import (
    RIGHT_LABELS,
    AdmissionFileForm,
    DecisionForm,
    MedicalForm,
    PersonForm,
    TransitionForm,
    category_words,
)
from relais.orientation.terminology.selectors import sdo_rules, status_labels
from relais.pathway import policy as pathway_policy
from relais.persons import vigilance

CARE_MODES = dict(CareMode.choices)


# --- Reads (scoped by policy, traced) --------------------------------------------------------------------------


def _actor(request):
    return request.actor or None  # the middleware's lazy object wraps None for users without a membership


def _read(actor, person, detail: str) -> None:
    access_log_record(
        actor=actor, action="read", obj=person, subject=f"persons.person:{person.pk}", ground=GROUND, detail=detail
    )


def _person_or_404(actor, pk: int):
    person = policy.persons_visible_to(actor).filter(pk=pk).first()
    if person is None:
        raise Http404("Personne introuvable.")
    return person


def _sender_or_403(actor) -> None:
    if not policy.may_send_requests(actor):
        raise PermissionDenied("Votre rôle ne permet pas de suivre l'orientation des personnes.")


def _errors(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error)]
    if hasattr(error, "error_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


def _reason_label(code: str) -> str:
    """The word of a reason (decision 0038): the code stays in the tooltip, the exports and the API."""
    return st.reason_word(code)


def _status_label(code: str, labels: dict) -> str:
    return st.status_word(code)


# --- Creating a person (the persons followed: views_worklist.py) ---------------------------------------------


def person_create(request):
    """Identity first: creating goes through identity vigilance, whose candidates are shown with their score and
    reasons (« C'est cette personne ? ») before anything is written; out of scope, only whom to contact."""
    actor = _actor(request)
    _sender_or_403(actor)
    form = PersonForm(request.POST or None)
    matches, errors = [], []
    if request.method == "POST" and form.is_valid():
        chosen = request.POST.get("existing", "")
        try:
            if chosen:
                matches = vigilance.candidates_for(form.unsaved_person())
                visible = _visible_pks(actor, matches)
                match = next((m for m in matches if str(m.other.pk) == chosen and m.other.pk in visible), None)
                if match is None:
                    raise ValidationError("Cette fiche ne fait pas partie des doublons possibles : recommencez.")
                admission_file_open(actor=actor, person=match.other)
                messages.success(request, f"Vous suivez désormais {match.other}.")
                return redirect("orientation:person", pk=match.other.pk)
            confirmed = bool(request.POST.get("confirm"))
            with vigilance.candidate_reads_kept():
                person, _file = person_with_file_create(actor=actor, confirmed_new=confirmed, **form.person_fields())
            messages.success(request, f"Fiche créée : {person}.")
            return redirect("orientation:person", pk=person.pk)
        except vigilance.IdentityCandidates as found:
            matches = found.matches
        except (ValidationError, PermissionDenied) as error:
            errors = _errors(error)
    context = {
        "form": form,
        "candidates": vigilance.candidate_rows(matches, _visible_pks(actor, matches)),
        "certain": any(m.certain for m in matches),
        "errors": errors,
    }
    return render(request, "orientation/persons/create.html", context, status=400 if errors else 200)


def _visible_pks(actor, matches) -> set[int]:
    pks = [m.other.pk for m in matches]
    return set(policy.persons_visible_to(actor).filter(pk__in=pks).values_list("pk", flat=True)) if pks else set()


# --- The person's page ------------------------------------------------------------------------------------------


def _requests_of(actor, person):
    labels = status_labels()
    rows = list(
        policy.requests_visible_to(actor)
        .filter(person=person)
        .select_related("site__legal_entity", "site__category", "decision")
        .prefetch_related("unit_statuses__unit", "transitions__unit")
        .order_by("wish_rank", "pk")
    )
    orientation_side = policy.may_send_requests(actor)
    rules, now = sdo_rules(), timezone.now()
    for row in rows:
        row.status_label = _status_label(row.status, labels)
        row.just_sent = (now - row.created_at).total_seconds() < 60
        row.reason_label = _reason_label(row.status_reason) if row.status_reason else ""
        for unit_status in row.unit_statuses.all():
            unit_status.status_label = _status_label(unit_status.status, labels)
            unit_status.reason_label = _reason_label(unit_status.status_reason) if unit_status.status_reason else ""
        for step in row.transitions.all():
            step.from_label = _status_label(step.from_status, labels) if step.from_status else "(création)"
            step.to_label = _status_label(step.to_status, labels)
            step.reason_label = _reason_label(step.reason) if step.reason else ""
        row.form = None
        if orientation_side and _acts_as_orientation(actor, row.site):
            targets = wf.next_statuses(row.status, wf.ORIENTATION, level=wf.ESMS)
            if targets:
                reasons = [
                    (f"Pour « {st.status_word(t)} »", [(c, _reason_label(c)) for c in sorted(rules[t], key=int)])
                    for t in targets
                    if rules.get(t)
                ]
                row.choices = {"targets": [(t, _status_label(t, labels)) for t in targets], "reasons": reasons}
                row.form = TransitionForm(prefix=f"r{row.pk}", **row.choices)
    return rows


def _acts_as_orientation(actor, site) -> bool:
    try:
        return services.actor_kind_for(actor, site) == wf.ORIENTATION
    except PermissionDenied:
        return False


def person_detail(request, pk: int):
    actor = _actor(request)
    person = _person_or_404(actor, pk)
    # The medical part reaches the page only for who may read it (decision 0032).
    file, medical = admission_file_parts(actor=actor, person=person)
    can_read_medical = medical is not None
    requests_ = _requests_of(actor, person)
    history = sorted(
        ((row, step) for row in requests_ for step in row.transitions.all()), key=lambda pair: pair[1].at, reverse=True
    )
    decisions = list(person.orientation_decisions.select_related("organisation").order_by("-validity_start", "-pk"))
    for decision in decisions:
        decision.right_labels = [RIGHT_LABELS.get(code, code) for code in decision.rights]
        decision.category_words = category_words(decision.categories)
        decision.care_type_labels = [CARE_MODES.get(code, code) for code in decision.care_types]
    _read(actor, person, "page de la personne" + (", volet médical" if can_read_medical else ""))
    context = {
        "person": person,
        "decisions": decisions,
        "file": file,
        "medical": medical,
        "can_read_medical": can_read_medical,
        "may_write_medical": policy.may_write_medical(actor, person),
        "may_edit_file": policy.may_edit_file(actor, person),
        "may_send": policy.may_send_requests(actor) and person.merged_into_id is None,
        "requests": requests_,
        "history": history,
        # The coordination record, when the care-circle policy lets this user in (pathway.policy.decide).
        "in_circle": pathway_policy.decide(
            user=actor.user, organisation=actor.organisation, person=person, category="identity", action="read"
        ).allowed,
    }
    return render(request, "orientation/persons/person.html", context)


@require_POST
def request_transition(request, pk: int, request_pk: int):
    actor = _actor(request)
    person = _person_or_404(actor, pk)
    row = next((r for r in _requests_of(actor, person) if r.pk == request_pk), None)
    if row is None:
        raise Http404("Demande introuvable.")
    target = f"{reverse('orientation:person', kwargs={'pk': person.pk})}#demande-{row.pk}"
    if row.form is None:
        raise PermissionDenied("Aucune action de l'orientation n'est possible sur cette demande.")
    form = TransitionForm(request.POST, prefix=f"r{row.pk}", **row.choices)
    if not form.is_valid():
        messages.error(request, f"« {row.site.name} » : choisissez un statut et un motif proposés.")
        return redirect(target)
    try:
        admission_request_transition_closing_others(
            actor=actor,
            request=row,
            target=form.cleaned_data["target"],
            reason=form.cleaned_data["reason"] or None,
            comment=form.cleaned_data["comment"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, f"« {row.site.name} » : " + " ".join(_errors(error)))
    else:
        messages.success(request, f"« {row.site.name} » : statut mis à jour.")
    return redirect(target)


# --- Decision and file ------------------------------------------------------------------------------------------


def decision_create(request, pk: int):
    actor = _actor(request)
    person = _person_or_404(actor, pk)
    _sender_or_403(actor)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            orientation_decision_create(
                actor=actor, person=person, organisation=actor.organisation, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "Décision d'orientation enregistrée.")
            return redirect("orientation:person", pk=person.pk)
    _read(actor, person, "saisie d'une décision d'orientation")
    return render(request, "orientation/persons/decision_form.html", {"person": person, "form": form})


def file_edit(request, pk: int):
    actor = _actor(request)
    person = _person_or_404(actor, pk)
    if not policy.may_edit_file(actor, person):
        raise PermissionDenied("Vous ne pouvez pas modifier le dossier d'admission de cette personne.")
    file = AdmissionFile.objects.select_related("commune").defer(*without_medical()).filter(person=person).first()
    form = AdmissionFileForm(request.POST or None, instance=file)  # the administrative part only (decision 0032)
    if request.method == "POST" and form.is_valid():
        try:
            admission_file_create_or_update(actor=actor, person=person, **form.admin_fields())
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "Volet administratif du dossier enregistré.")
            return redirect("orientation:person", pk=person.pk)
    _read(actor, person, "volet administratif du dossier")
    return render(request, "orientation/persons/file_form.html", {"person": person, "form": form})


def file_medical(request, pk: int):
    actor = _actor(request)
    person = _person_or_404(actor, pk)
    if not policy.may_write_medical(actor, person):
        raise PermissionDenied("Seul·e un·e professionnel·le de santé qui suit la personne remplit le volet médical.")
    file = AdmissionFile.objects.filter(person=person).first()
    readable = file is not None and policy.can_read_medical(actor, file)
    initial = {name: getattr(file, name) for name in ("gir", "care_needs", "medical_notes")} if readable else None
    form = MedicalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            admission_file_medical_update(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "Volet médical enregistré.")
            return redirect("orientation:person", pk=person.pk)
    _read(actor, person, "volet médical" if readable else "saisie du volet médical")
    context = {"person": person, "form": form, "replaces": file is not None and file.medical_author_id and not readable}
    return render(request, "orientation/persons/medical_form.html", context)
