"""The documents of an orientation decision and the person's agreement an ESMS collected for them (SI-SDO, 0050).

Writes (``decision_document_create``, ``decision_consent_record``) and the scoped reads. Who reads a decision's
documents is the orientation policy's: whoever sees a request following the decision, or issued it
(``policy.decisions_visible_to``); an evaluation (the CDA « Évaluation », or the admission file's medical part) only
whoever may read the person's medical part (``policy.can_read_medical``) or the organisation that sent it.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from relais.audit.services import access_log_record
from relais.offer.acting import acts_for_site
from relais.offer.models import Site
from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile

from .models import DecisionConsent, DecisionDocument, DocumentKind, OrientationDecision

GROUND = "orientation_request"
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # a CDA with its attachments; larger files belong to the care record
# The title each CDA must carry (invariant regle-NomPieceJointe-type of ESMSDocumentReference).
KIND_TITLES = {
    DocumentKind.INDIVIDUAL_AND_DECISION: "Document Individu et décision",
    DocumentKind.EVALUATION: "Document évaluation",
}


def may_read_evaluation(actor, decision: OrientationDecision, sender_id: int | None = None) -> bool:
    """The medical side of a decision: the organisation that sent it, or who reads the person's medical part."""
    if actor is None:
        return False
    if sender_id is not None and sender_id == actor.organisation.pk:
        return True
    admission_file = AdmissionFile.objects.filter(person_id=decision.person_id).only("pk", "person_id").first()
    probe = admission_file or AdmissionFile(person_id=decision.person_id)
    return policy.can_read_medical(actor, probe)


def documents_visible_to(actor) -> QuerySet[DecisionDocument]:
    """Documents of the visible decisions; evaluations only for their sender or medical readers (checked per row
    by ``may_read_evaluation`` since the medical rule depends on the person's open requests)."""
    decisions = policy.decisions_visible_to(actor).values("pk")
    return DecisionDocument.objects.filter(decision_id__in=decisions).select_related("decision__person")


def decision_documents_for(actor, decision: OrientationDecision | None) -> list[DecisionDocument]:
    """The documents of a decision the actor may read, without their bytes (for a page's list)."""
    if decision is None:
        return []
    rows = documents_visible_to(actor).filter(decision=decision).defer("data").order_by("pk")
    return [document for document in rows if document_readable(actor, document)]


def document_readable(actor, document: DecisionDocument) -> bool:
    if document.kind != DocumentKind.EVALUATION:
        return True
    return may_read_evaluation(actor, document.decision, document.organisation_id)


@transaction.atomic
def decision_document_create(
    *,
    actor,
    decision: OrientationDecision,
    kind: str,
    title: str,
    content_type: str,
    data: bytes,
    language: str = "",
    author_display: str = "",
) -> DecisionDocument:
    """Keep a decision's document sent by the orientation side (MDPH, SI-SDO) that sees the decision."""
    if not policy.may_send_requests(actor):
        raise PermissionDenied("Seule une organisation d'orientation transmet les documents d'une décision.")
    if not policy.decisions_visible_to(actor).filter(pk=decision.pk).exists():
        raise PermissionDenied("Décision hors de votre périmètre.")
    if kind not in DocumentKind.values:
        raise ValidationError(f"Type de document « {kind} » inconnu.")
    if kind in KIND_TITLES and title != KIND_TITLES[kind]:
        raise ValidationError(f"Le titre d'un document de type {kind} doit être « {KIND_TITLES[kind]} ».")
    if not data:
        raise ValidationError("Le contenu du document est vide.")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"Document trop volumineux ({MAX_DOCUMENT_BYTES // (1024 * 1024)} Mo au plus).")
    document = DecisionDocument.objects.create(
        decision=decision,
        kind=kind,
        title=title[:300],
        content_type=content_type[:100],
        language=language[:10],
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        author_display=author_display[:300],
        organisation=actor.organisation,
    )
    access_log_record(
        actor=actor,
        action="create",
        obj=document,
        subject=f"persons.person:{decision.person_id}",
        ground=GROUND,
        detail=f"document « {document.title} » de la décision {decision.pk}",
    )
    return document


def consents_visible_to(actor) -> QuerySet[DecisionConsent]:
    """The orientation side sees the agreements given for its decisions; an ESMS those it collected itself."""
    decisions = policy.decisions_visible_to(actor)
    if not policy.may_send_requests(actor):
        decisions = decisions.none()
    own_sites = policy.esms_sites(actor).values("pk") if actor is not None else Site.objects.none()
    visible = policy.decisions_visible_to(actor).values("pk")
    return DecisionConsent.objects.filter(
        Q(decision_id__in=decisions.values("pk")) | (Q(decision_id__in=visible) & Q(site_id__in=own_sites))
    ).select_related("decision__person", "site")


def consent_site(actor, decision: OrientationDecision, finess: str = "") -> Site:
    """The ESMS that collected the agreement: the one named (idNat_Struct) or, when the caller acts for only one site
    with a request following the decision, that one."""
    sites = policy.esms_sites(actor).filter(admission_requests__decision=decision).distinct()
    if finess:
        sites = sites.filter(finess=finess)
    found = list(sites[:2])
    if len(found) != 1:
        raise ValidationError(
            "Établissement introuvable : l'accord est recueilli par un ESMS destinataire d'une demande de cette "
            "décision (meta.source = 1 + n° FINESS s'il en a plusieurs)."
        )
    return found[0]


@transaction.atomic
def decision_consent_record(
    *,
    actor,
    decision: OrientationDecision,
    site: Site,
    status: str,
    collected_on: date,
    source: str,
    policy_rule: str = "",
) -> DecisionConsent:
    """Record the person's agreement collected by an ESMS that receives a request following the decision."""
    if not policy.requests_visible_to(actor).filter(Q(decision=decision) & Q(site=site)).exists():
        raise PermissionDenied("Seul un ESMS destinataire d'une demande de cette décision recueille l'accord.")
    if not acts_for_site(actor.organisation, site):
        raise PermissionDenied("Votre organisation n'agit pas pour cet établissement.")
    consent = DecisionConsent.objects.create(
        decision=decision,
        site=site,
        status=status[:20],
        policy_rule=policy_rule[:20],
        collected_on=collected_on,
        source=source[:300],
        organisation=actor.organisation,
    )
    access_log_record(
        actor=actor,
        action="create",
        obj=consent,
        subject=f"persons.person:{decision.person_id}",
        ground=GROUND,
        detail=f"accord ({status}) pour les documents de la décision {decision.pk}",
    )
    return consent
