"""Writes of the matching proposals: compute (store the engine's proposals), accept, refuse.

Proposals are suggestions. Accepting one records the decision of the ESMS staff; it never admits anyone (the
admission is ``admission.admit.admission_admit``, from the waiting list, which withdraws the person's open proposals).
A refusal needs a reason. Each write is traced in the access log, about the person (decision 0016).
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from relais.audit.services import access_log_record
from relais.matching.engine import match
from relais.matching.explain import explain
from relais.offer.models import Unit
from relais.orientation.policy import may_process_request
from relais.orientation.proposals.models import MatchProposal, ProposalStatus
from relais.orientation.proposals.selectors import instance_for_units

GROUND = "orientation_matching"
REASON_MAX = MatchProposal._meta.get_field("refusal_reason").max_length


def _trace(actor, action: str, proposal: MatchProposal, detail: str = "") -> None:
    access_log_record(
        actor=actor,
        action=action,
        obj=proposal,
        subject=f"persons.person:{proposal.request.person_id}",
        ground=GROUND,
        detail=detail,
    )


def _check_units(actor, units: list[Unit]) -> None:
    for unit in units:
        # The policy's rule is about a request's site; a unit's site is the same question.
        if not may_process_request(actor, SimpleNamespace(site=unit.site)):
            raise PermissionDenied(f"Vous ne gérez pas les admissions de l'unité « {unit.name} ».")


@transaction.atomic
def proposals_compute(*, actor, units) -> tuple[str, list[MatchProposal]]:
    """Compute the optimal proposals for ``units`` and store them under a new run id; the previous open proposals
    of these units are withdrawn. Returns (run id, proposals)."""
    # Locked: two staff computing for the same units at once are serialised (one run withdraws the other's).
    units = list(
        Unit.objects.select_for_update(of=("self",))
        .filter(pk__in=[u.pk for u in units])
        .select_related("site__commune", "site__legal_entity")
        .order_by("pk")
    )
    if not units:
        raise ValidationError("Aucune unité avec des places disponibles : rien à calculer.")
    _check_units(actor, units)
    now = timezone.now()
    run = f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    previous = MatchProposal.objects.filter(unit__in=units, status=ProposalStatus.PROPOSED)
    previous.update(status=ProposalStatus.WITHDRAWN, decided_at=now, decided_by=f"nouveau calcul {run}")
    explanation = explain(match(instance_for_units(units)), persons=False)
    created = []
    for proposal in explanation.proposals:
        stored = explanation.for_proposal(proposal)
        stored["run"] = run
        created.append(
            MatchProposal(
                run=run,
                request_id=proposal["request_id"],
                unit_id=proposal["unit_id"],
                score=proposal["score"]["total"],
                explanation=stored,
            )
        )
    MatchProposal.objects.bulk_create(created)
    for proposal in MatchProposal.objects.filter(run=run).select_related("request"):
        _trace(actor, "create", proposal, detail=f"calcul {run}, score {proposal.score}")
    return run, list(MatchProposal.objects.filter(run=run).order_by("unit_id", "-score", "pk"))


def _decide(*, actor, proposal: MatchProposal, status: str, reason: str = "") -> MatchProposal:
    proposal = (
        MatchProposal.objects.select_for_update().select_related("request__site__legal_entity").get(pk=proposal.pk)
    )
    if not may_process_request(actor, proposal.request):
        raise PermissionDenied("Seule l'équipe d'admission de l'établissement peut décider de cette proposition.")
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(
            f"Cette proposition est déjà « {proposal.get_status_display().lower()} » : rechargez la page.",
            code="already_decided",
        )
    proposal.status = status
    proposal.refusal_reason = reason
    proposal.decided_by = actor.public_label
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    return proposal


@transaction.atomic
def proposal_accept(*, actor, proposal: MatchProposal) -> MatchProposal:
    """Record that the ESMS takes the proposal forward (contact, visit, admission committee). Admits no one."""
    proposal = _decide(actor=actor, proposal=proposal, status=ProposalStatus.ACCEPTED)
    _trace(actor, "update", proposal, detail="proposition acceptée")
    return proposal


@transaction.atomic
def proposal_refuse(*, actor, proposal: MatchProposal, reason: str) -> MatchProposal:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Le motif du refus est obligatoire."}, code="required")
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": f"Le motif du refus ne doit pas dépasser {REASON_MAX} caractères ({len(reason)} saisis)."},
            code="max_length",
        )
    proposal = _decide(actor=actor, proposal=proposal, status=ProposalStatus.REFUSED, reason=reason)
    _trace(actor, "update", proposal, detail=f"proposition refusée : {reason}")
    return proposal
