"""Writes for admission requests (keyword-only, atomic, traced in the access log).

Every status change goes through ``workflow.transition`` with the ASS_A32 rules (``terminology.sdo_rules()``),
updates the row locked with ``select_for_update``, and appends a ``StatusTransition``. An admission undone gives its
places back here (``admission_places_release``), so ``admission/admit.py`` builds on this module and not the reverse.
See docs/decisions/0014-admission-requests.md.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from relais.accounts.roles import OrganisationKind
from relais.audit.services import access_log_record
from relais.offer.acting import acts_for_site
from relais.offer.models import Unit
from relais.offer.services import unit_capacity_update
from relais.orientation import policy
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.coverage import category_name, decision_missing, decisions_to_name
from relais.orientation.requests.models import (
    ESMS_ENDED,
    AdmissionRequest,
    AdmissionSubmission,
    Source,
    StatusTransition,
    UnitRequestStatus,
)
from relais.orientation.requests.selectors import decision_facts, sites_coverage
from relais.orientation.terminology.selectors import sdo_rules, status_labels
from relais.persons.models import Person

GROUND = "orientation_request"
ORIENTATION_KINDS = frozenset({OrganisationKind.MDPH, OrganisationKind.DAC, OrganisationKind.DEPARTEMENT_COUNCIL})


def actor_kind_for(actor, site, *, system: bool = False) -> str:
    """``esms`` for the admission team of the site's organisation (or of its legal entity's), ``orientation`` for the
    staff of an organisation that sends requests (policy.SENDER_KINDS / SENDER_ROLES), ``system`` for ``actor=None``
    with ``system=True``; anyone else is refused. Machine clients act for their organisation."""
    if actor is None:
        if system:
            return wf.SYSTEM
        raise PermissionDenied("Action réservée au suivi automatique ou à un acteur identifié.")
    machine = actor.api_client is not None
    if acts_for_site(actor.organisation, site):
        if not (machine or actor.role in policy.ADMISSION_ROLES):
            raise PermissionDenied(
                f"Seule l'équipe d'admission de « {site.name} » (direction, chargé·e des admissions) change le statut "
                "des demandes."
            )
        return wf.ESMS_STAFF
    if actor.organisation.kind in policy.SENDER_KINDS and (machine or actor.role in policy.SENDER_ROLES):
        return wf.ORIENTATION
    raise PermissionDenied(f"Votre organisation n'intervient pas sur les demandes adressées à « {site.name} ».")


def _creator(actor) -> str:
    if getattr(actor, "user", None) is not None:
        return f"user:{actor.user.pk}"
    if getattr(actor, "api_client", None) is not None:
        return f"api:{actor.api_client.pk}"
    return f"org:{actor.organisation.pk}" if actor is not None else "system"


def _check(current, target, *, actor_kind, reason, source=Source.WEB):
    """A refusal names statuses by their words on the screens; an API caller (FHIR) gets the code and official label."""
    web = source == Source.WEB
    try:
        return wf.transition(
            current,
            target,
            actor_kind=actor_kind,
            reason=reason,
            rules=sdo_rules(),
            labels=st.STATUS_WORDS if web else status_labels(),
            with_code=not web,
        )
    except wf.TransitionError as error:
        if error.code == "actor":
            raise PermissionDenied(str(error)) from error
        raise ValidationError(str(error), code=error.code) from error


def _log(*, actor, request, result, unit=None, source, comment="") -> StatusTransition:
    return StatusTransition.objects.create(
        request=request,
        unit=unit,
        level=result.level,
        from_status=result.source or "",
        to_status=result.target,
        reason=result.reason or "",
        actor_kind=result.actor_kind,
        actor_label=actor.public_label if actor is not None else "système",
        user_id=getattr(getattr(actor, "user", None), "pk", None),
        organisation_id=getattr(getattr(actor, "organisation", None), "pk", None),
        at=timezone.now(),
        source=source,
        comment=comment[:300],
    )


def _next_rank(person_id: int) -> int:
    top = (
        AdmissionRequest.objects.filter(person_id=person_id)
        .exclude(status__in=ESMS_ENDED)
        .aggregate(m=Max("wish_rank"))
    )
    return (top["m"] or 0) + 1


def wish_ranks_check(ranked) -> None:
    """``ranked`` = [(rank, site name), …]: two ESMS with the same wish rank are refused, naming the rank (never
    renumbered behind the user's back)."""
    names: dict[int, list[str]] = {}
    for rank, name in ranked:
        names.setdefault(rank, []).append(name)
    duplicated = [(rank, sites) for rank, sites in sorted(names.items()) if len(sites) > 1]
    if duplicated:
        raise ValidationError(
            [
                f"Le rang de souhait {rank} est donné à plusieurs établissements ("
                + ", ".join(f"« {n} »" for n in sites)
                + ") : donnez à chacun un rang différent."
                for rank, sites in duplicated
            ],
            code="duplicate_wish_rank",
        )


def admission_requests_send(
    *,
    actor,
    person: Person,
    sites_ranked,
    decision=None,
    idempotency_key: str,
    source: str = Source.WEB,
    wish_ranks=None,
    derogation: str = "",
) -> list[AdmissionRequest]:
    """Create one request per site (status 39, ranked in the given order after the person's open requests).
    ``wish_ranks`` (optional, one per site) are the ranks the user typed: equal ranks are refused, the sites are sent
    in rank order. A site the decision does not cover (``coverage.py``) is refused with the reason, unless
    ``derogation`` (a justification) is given: it is then recorded on that request, with who and when.
    The same ``idempotency_key`` from the same creator returns the requests of the first call."""
    sites = list(sites_ranked)
    if not idempotency_key:
        raise ValueError("A send needs an idempotency key.")
    if not sites or len({s.pk for s in sites}) != len(sites):
        raise ValidationError("Choisissez au moins un établissement, chacun une seule fois.")
    if wish_ranks is not None:
        ranks = list(wish_ranks)
        if len(ranks) != len(sites):
            raise ValueError("One wish rank per site.")
        wish_ranks_check(zip(ranks, [s.name for s in sites], strict=True))
        sites = [site for _rank, site in sorted(zip(ranks, sites, strict=True), key=lambda pair: pair[0])]
    creator = _creator(actor)
    fingerprint = hashlib.sha256(f"{person.pk}|{[s.pk for s in sites]}".encode()).hexdigest()
    try:
        return _send(actor, person, sites, decision, creator, idempotency_key, fingerprint, source, derogation.strip())
    except IntegrityError as error:
        # A concurrent double submit (same key) or send (same site) won the race: find the winner's submission.
        existing = AdmissionSubmission.objects.filter(creator=creator, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
        raise ValidationError("Une demande ouverte existe déjà pour l'un de ces établissements.") from error


def _replay(submission: AdmissionSubmission, fingerprint: str) -> list[AdmissionRequest]:
    if submission.fingerprint != fingerprint:
        raise ValidationError("Cette clé d'envoi a déjà servi pour une autre demande : rechargez la page.")
    return list(submission.requests.order_by("wish_rank", "pk"))


def _decision_required(sites, decision) -> None:
    """An ESMS for disabled persons admits only on a CDAPH decision: without one, refused whatever the derogation."""
    facts = decision_facts(decision)
    lacking = [site for site in sites if decision_missing(facts, site.category_id or "")]
    if not lacking:
        return
    categories = [(site.category_id, site.category.label) for site in lacking]
    messages = [
        f"« {site.name} », {category_name(site.category_id, site.category.label)}, n'admet que sur décision "
        "d'orientation de la CDAPH (MDPH) : "
        + (
            "aucune décision de la MDPH n'est choisie pour cet envoi."
            if decision is None
            else "la décision choisie n'est pas une décision de la CDAPH."
        )
        for site in lacking
    ] + [
        "Il faut "
        + " ; ".join(decisions_to_name(categories))
        + ". Si la personne en a une, enregistrez-la sur sa fiche (« Décision d'orientation ») puis choisissez-la "
        "à l'envoi ; sinon, la personne ou son représentant légal doit d'abord la demander à la MDPH. "
        "Une dérogation ne remplace pas la décision de la CDAPH."
    ]
    raise ValidationError([ValidationError(message, code="decision_required") for message in messages])


def _uncovered(person, sites, decision, derogation: str) -> set[int]:
    """The ids of the sites the decision does not cover; refused (with the reasons) unless a derogation is given."""
    _decision_required(sites, decision)
    reasons = sites_coverage(decision=decision, person=person, sites=sites, day=timezone.localdate())
    uncovered = [site for site in sites if reasons[site.pk]]
    if uncovered and not derogation:
        raise ValidationError(
            [
                f"« {site.name} » n'est pas couvert par la décision d'orientation : "
                + " ; ".join(reasons[site.pk])
                + "."
                for site in uncovered
            ]
            + ["Pour l'envoyer malgré tout, cochez « Envoyer par dérogation » et justifiez ce choix."],
            code="not_covered",
        )
    return {site.pk for site in uncovered}


@transaction.atomic
def _send(actor, person, sites, decision, creator, key, fingerprint, source, derogation=""):
    person = Person.objects.select_for_update().get(pk=person.pk)  # serialises the sends for one person
    existing = AdmissionSubmission.objects.filter(creator=creator, idempotency_key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    if person.merged_into_id is not None:
        raise ValidationError("Cette personne a été fusionnée dans une autre fiche : utilisez la fiche conservée.")
    if decision is not None and (decision.person_id != person.pk or decision.status != "valid"):
        raise ValidationError("La décision d'orientation doit être en cours de validité et concerner cette personne.")
    result = _check(None, st.NOTIFIED, actor_kind=actor_kind_for(actor, sites[0]), reason=None)
    for site in sites[1:]:
        actor_kind_for(actor, site)
    derogated = _uncovered(person, sites, decision, derogation)
    open_sites = AdmissionRequest.objects.filter(person=person, site__in=sites).exclude(status__in=ESMS_ENDED)
    taken = [request.site.name for request in open_sites.select_related("site")]
    if taken:
        raise ValidationError(
            "Une demande est déjà en cours pour cette personne auprès de : "
            + ", ".join(f"« {n} »" for n in taken)
            + "."
        )
    submission = AdmissionSubmission.objects.create(
        person=person, creator=creator, idempotency_key=key, fingerprint=fingerprint
    )
    rank = _next_rank(person.pk)
    requests = []
    for offset, site in enumerate(sites):
        request = AdmissionRequest.objects.create(
            person=person,
            decision=decision,
            site=site,
            submission=submission,
            wish_rank=rank + offset,
            status=st.NOTIFIED,
            created_by=actor.public_label if actor is not None else "système",
            created_by_organisation=getattr(actor, "organisation", None),
            created_by_user=getattr(actor, "user", None),
        )
        if site.pk in derogated:
            request.derogation_reason, request.derogation_at = derogation, timezone.now()
            request.derogation_by = (actor.public_label if actor is not None else "système")[:300]
            request.save(update_fields=["derogation_reason", "derogation_by", "derogation_at"])
        comment = f"Envoi par dérogation : {derogation}" if site.pk in derogated else ""
        _log(actor=actor, request=request, result=result, source=source, comment=comment)
        _trace(actor, "create", request, person.pk, f"dérogation : {derogation}"[:300] if site.pk in derogated else "")
        requests.append(request)
    return requests


def _trace(actor, action: str, obj, person_id: int, detail: str = "") -> None:
    """Requests are the person's data: every write goes to the access log, about that person."""
    access_log_record(
        actor=actor, action=action, obj=obj, subject=f"persons.person:{person_id}", ground=GROUND, detail=detail
    )


@transaction.atomic
def admission_request_transition(
    *,
    actor,
    request: AdmissionRequest,
    target: str,
    reason: str | None = None,
    actor_kind: str | None = None,
    system: bool = False,
    source: str = Source.WEB,
    comment: str = "",
) -> AdmissionRequest:
    """Move the (person, ESMS) pair to ``target``. ``actor_kind`` is derived from the actor (``actor_kind_for``);
    when given it must match. Reactivating (54) a request whose rank was taken gives it the next free rank."""
    request = AdmissionRequest.objects.select_for_update().select_related("site__legal_entity").get(pk=request.pk)
    derived = actor_kind_for(actor, request.site, system=system)
    if actor_kind is not None and actor_kind != derived:
        raise PermissionDenied(f"Vous agissez ici en tant que « {derived} », pas « {actor_kind} ».")
    result = _check(request.status, target, actor_kind=derived, reason=reason, source=source)
    reopening = request.status in ESMS_ENDED and target not in ESMS_ENDED
    if reopening:
        if (
            AdmissionRequest.objects.filter(person=request.person_id, site=request.site_id)
            .exclude(status__in=ESMS_ENDED)
            .exists()
        ):
            raise ValidationError(f"Une autre demande est déjà en cours auprès de « {request.site.name} ».")
        request.wish_rank = _next_rank(request.person_id)
    request.status, request.status_reason = result.target, result.reason or ""
    request.save(update_fields=["status", "status_reason", "wish_rank", "updated_at"])
    _log(actor=actor, request=request, result=result, source=source, comment=comment)
    if result.source == st.ADMITTED and result.target in st.ESMS_ADMISSION_UNDONE:
        admission_places_release(actor=actor, request=request, reason=result.reason, system=system)
    _trace(
        actor,
        "update",
        request,
        request.person_id,
        _change_words(result),
    )
    return request


def admission_request_open(*, actor, request: AdmissionRequest) -> AdmissionRequest:
    """The ESMS's admission team opens a new request: it becomes « Demande lue » (SI-SDO 39 → 40), as the orienting
    side expects (its « sans réponse » and « non lue » lists count on it). Other readers change nothing."""
    if request.status != st.NOTIFIED:
        return request
    return admission_request_transition(
        actor=actor, request=request, target=st.NOTIFICATION_READ, comment="demande ouverte par l'établissement"
    )


def _change_words(result) -> str:
    """The access log's detail of a status change, in words (decision 0038); the codes are in the transition log."""
    source = f"« {st.status_word(result.source)} »" if result.source else "création"
    reason = f", motif « {st.reason_word(result.reason)} »" if result.reason else ""
    return f"statut {source} → « {st.status_word(result.target)} »{reason}"


@transaction.atomic
def unit_request_transition(
    *,
    actor,
    request: AdmissionRequest,
    unit,
    target: str,
    reason: str | None = None,
    system: bool = False,
    source: str = Source.WEB,
    comment: str = "",
) -> UnitRequestStatus:
    """Create (182) or move the (person, unit) pair of a request; the unit must belong to the request's site.
    ``actor=None, system=True`` is the automatic follow-up."""
    request = AdmissionRequest.objects.select_for_update().select_related("site__legal_entity").get(pk=request.pk)
    if unit.site_id != request.site_id:
        raise ValidationError("Cette unité n'appartient pas à l'établissement de la demande.")
    row = UnitRequestStatus.objects.select_for_update().filter(request=request, unit=unit).first()
    actor_kind = actor_kind_for(actor, request.site, system=system)
    result = _check(row.status if row else None, target, actor_kind=actor_kind, reason=reason, source=source)
    if row is None:
        row = UnitRequestStatus(request=request, unit=unit)
    row.status, row.status_reason = result.target, result.reason or ""
    row.save()
    _log(actor=actor, request=request, unit=unit, result=result, source=source, comment=comment)
    _trace(actor, "update", row, request.person_id, f"unité {unit.pk} : {_change_words(result)}")
    return row


def admission_places_release(*, actor, request: AdmissionRequest, reason: str | None, system: bool = False) -> int:
    """Called by ``admission_request_transition`` when a request leaves 71 for an ended status: each unit pair still
    "admitted" (184) is removed (180, with the ESMS-level reason when ASS_A32 allows it on 180, else 95 automatic
    cancellation) and its place is free again. Runs inside the caller's transaction."""
    allowed = sdo_rules().get(st.UNIT_REMOVED) or ()
    unit_reason = reason if reason in allowed else st.REASON_AUTOMATIC_CANCELLATION
    released = 0
    for row in UnitRequestStatus.objects.filter(request=request, status=st.UNIT_ADMITTED).order_by("unit_id"):
        unit = Unit.objects.select_for_update().get(pk=row.unit_id)
        unit_request_transition(
            actor=actor, request=request, unit=unit, target=st.UNIT_REMOVED, reason=unit_reason, system=system
        )
        # Capacity follows the status whoever changed it (the orientation may cancel): set-up path, labelled.
        unit_capacity_update(
            actor=None,
            unit=unit,
            available=min(unit.available + 1, unit.installed),
            occupied=max(unit.occupied - 1, 0),
            by_label=f"{actor.public_label if actor else 'suivi automatique'} (admission annulée)",
        )
        released += 1
    return released
