"""Who may read and act on admission requests, admission files and the persons behind them.

The one place for these rules (decision 0015). Every view, REST endpoint and FHIR interaction of the orientation
app scopes its querysets with ``requests_visible_to`` / ``persons_visible_to``; what is out of scope is a 404,
exactly like a missing id. Aggregates (territory view) follow ``may_see_territory`` and never expose a person.

- ESMS side: members with a personal-data role of an organisation that acts for the site (``offer.acting``,
  decision 0029: the site's organisation, or its managing body's) see the requests addressed to it (and machine
  clients of those organisations, for their record systems).
- Orientation side (MDPH, département, DAC, hospital or practice coordinators): the requests their organisation
  sent, and the requests following a decision their organisation issued.
- Analysts (ARS, CNSA, département analysts): never a person; aggregates only.
- The medical part of the file: health professionals of an organisation receiving an open request of the person,
  and the medical part's author.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from relais.accounts.roles import OrganisationKind, Role
from relais.offer.acting import acts_for_site, site_filter, sites_acted_for
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests.models import ESMS_ENDED, AdmissionRequest
from relais.persons.models import Person

K = OrganisationKind
# Organisations that orient persons and send requests on their behalf.
SENDER_KINDS = frozenset({K.MDPH, K.DEPARTEMENT_COUNCIL, K.DAC, K.HOSPITAL, K.HEALTH_PRACTICE})
SENDER_ROLES = frozenset(
    {Role.ADMIN, Role.DIRECTOR, Role.ORIENTATION_OFFICER, Role.COORDINATOR, Role.CARE_PROFESSIONAL}
)
# ESMS roles that run the admissions (status changes, admission into a unit, proposals).
ADMISSION_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.ADMISSION_OFFICER})
# Organisations that run ESMS admissions (waiting list, proposals, committee). A hospital or a practice is also a
# directory site (decision 0029) but never receives admission requests: its own site is not an ESMS.
ADMITTING_KINDS = frozenset({K.ESMS, K.MANAGING_BODY})
# Organisations whose staff see the territory's aggregated demand.
TERRITORY_KINDS = frozenset({K.MDPH, K.DEPARTEMENT_COUNCIL, K.ARS, K.NATIONAL})


def _reads_persons(actor) -> bool:
    return actor is not None and (actor.api_client is not None or actor.reads_personal_data)


def _esms_filter(organisation_id: int, prefix: str = "") -> Q:
    return site_filter(organisation_id, prefix)


def _sender_filter(organisation_id: int, prefix: str = "") -> Q:
    return Q(**{f"{prefix}created_by_organisation_id": organisation_id}) | Q(
        **{f"{prefix}decision__organisation_id": organisation_id}
    )


def requests_visible_to(actor) -> QuerySet[AdmissionRequest]:
    if not _reads_persons(actor):
        return AdmissionRequest.objects.none()
    organisation_id = actor.organisation.pk
    # The same rule as _esms_filter | _sender_filter, written as IN subqueries so that SQLite and PostgreSQL use
    # the foreign-key indexes (one index per OR branch) instead of scanning every request joined to its site.
    sites = sites_acted_for(organisation_id)
    decisions = OrientationDecision.objects.filter(organisation_id=organisation_id)
    return AdmissionRequest.objects.filter(
        Q(site__in=sites.values("pk"))
        | Q(created_by_organisation_id=organisation_id)
        | Q(decision__in=decisions.values("pk"))
    )


def persons_visible_to(actor) -> QuerySet[Person]:
    """Persons with a visible request, a decision issued by the organisation, or a file it wrote."""
    if not _reads_persons(actor):
        return Person.objects.none()
    organisation_id = actor.organisation.pk
    # Three IN subqueries of person ids, no join: the database hashes each once and checks every person against
    # them (or walks an index in order and stops after a page), instead of joining and de-duplicating every person
    # of a département (the MDPH work list, decision 0042).
    # The requests' branch leaves out requests_visible_to's "decision of the organisation" branch: such a request's
    # person has that decision (a request's decision is the person's own: requests.services refuses any other), so
    # the decisions' branch already lists them — and hashing every decision of a département twice took about half
    # of each work-list query (docs/performance.md, MDPH work list).
    sites = sites_acted_for(organisation_id)
    sent_or_received = AdmissionRequest.objects.filter(
        Q(site__in=sites.values("pk")) | Q(created_by_organisation_id=organisation_id)
    )
    return Person.objects.filter(
        Q(pk__in=sent_or_received.values("person_id"))
        | Q(pk__in=OrientationDecision.objects.filter(organisation_id=organisation_id).values("person_id"))
        | Q(pk__in=AdmissionFile.objects.filter(author_organisation_id=organisation_id).values("person_id"))
    )


def decisions_visible_to(actor) -> QuerySet[OrientationDecision]:
    """Decisions of a visible request, and those the organisation issued (their documents follow them, 0050)."""
    if not _reads_persons(actor):
        return OrientationDecision.objects.none()
    return OrientationDecision.objects.filter(
        Q(pk__in=requests_visible_to(actor).filter(decision__isnull=False).values("decision_id"))
        | Q(organisation_id=actor.organisation.pk)
    )


def may_send_requests(actor) -> bool:
    return (
        actor is not None
        and actor.organisation.kind in SENDER_KINDS
        and (actor.api_client is not None or actor.role in SENDER_ROLES)
    )


def may_read_site_requests(actor, site) -> bool:
    """ESMS staff with a personal-data role (admission team, but also the ESMS's doctor or nurse who reviews the
    medical part), or a machine client, of the site's organisation or its managing body's."""
    if not _reads_persons(actor):
        return False
    return acts_for_site(actor.organisation, site)


def may_process_request(actor, request: AdmissionRequest) -> bool:
    """ESMS staff who run admissions for the request's site (or a machine client of that organisation)."""
    if actor is None:
        return False
    if not acts_for_site(actor.organisation, request.site):
        return False
    return actor.api_client is not None or actor.role in ADMISSION_ROLES


def acts_for_request_site(actor, request: AdmissionRequest) -> bool:
    """The organisation acting is on the ESMS side of the request (whatever the role)."""
    return actor is not None and acts_for_site(actor.organisation, request.site)


def esms_sites(actor):
    """The sites the actor's organisation acts for as the ESMS side (whatever the role), as a queryset of
    ``offer.Site``; none for an organisation that does not run admissions (``ADMITTING_KINDS``)."""
    if actor.organisation.kind not in ADMITTING_KINDS:
        return sites_acted_for(actor.organisation.pk).none()
    return sites_acted_for(actor.organisation.pk)


def may_edit_file(actor, person: Person) -> bool:
    """The administrative part: the orientation side that follows the person."""
    return may_send_requests(actor) and persons_visible_to(actor).filter(pk=person.pk).exists()


def can_read_medical(actor, admission_file: AdmissionFile) -> bool:
    """Health professionals of an organisation receiving an open request of the person, and the part's author."""
    if actor is None or actor.user is None:
        return False
    if admission_file.medical_author_id is not None and admission_file.medical_author_id == actor.user.pk:
        return True
    if not actor.is_health_professional or not actor.reads_personal_data:
        return False
    return (
        AdmissionRequest.objects.filter(person_id=admission_file.person_id)
        .exclude(status__in=ESMS_ENDED)
        .filter(_esms_filter(actor.organisation.pk))
        .exists()
    )


def may_write_medical(actor, person: Person) -> bool:
    """A health professional following the person on the orientation side (GP, hospital doctor, DAC nurse…)."""
    return (
        actor is not None
        and actor.user is not None
        and actor.is_health_professional
        and may_send_requests(actor)
        and persons_visible_to(actor).filter(pk=person.pk).exists()
    )


# Organisations that lead the territory's response plan (PAG) and export its persons without solution (0042).
RESPONSE_PLAN_KINDS = frozenset({K.MDPH, K.DEPARTEMENT_COUNCIL})


def may_export_without_solution(actor) -> bool:
    """MDPH and département officers who follow orientations (a user, reading personal data), on their own scope."""
    return (
        may_send_requests(actor)
        and actor.user is not None
        and actor.reads_personal_data
        and actor.organisation.kind in RESPONSE_PLAN_KINDS
    )


def may_see_territory(actor) -> bool:
    return actor is not None and actor.user is not None and actor.organisation.kind in TERRITORY_KINDS


def may_see_small_cells(actor) -> bool:
    """Cells under 5 are suppressed unless the role may read personal data anyway (MDPH or département staff)."""
    return (
        may_see_territory(actor)
        and actor.reads_personal_data
        and actor.organisation.kind in {K.MDPH, K.DEPARTEMENT_COUNCIL}
    )


# --- Identity vigilance (decision 0036) --------------------------------------------------------------------------
# Roles that correct an identity, merge two records of the same person or declare two records different persons.
IDENTITY_ROLES = frozenset({Role.ORIENTATION_OFFICER, Role.ADMISSION_OFFICER, Role.COORDINATOR})


def identity_persons_visible_to(actor) -> QuerySet[Person]:
    """The persons whose identity the actor sees: the orientation scope above, and the persons of the coordination
    records whose care circle lets the actor read the identity (``pathway.policy``)."""
    base = persons_visible_to(actor)
    if actor is None or actor.user is None or not actor.reads_personal_data:
        return base
    from relais.pathway.circle.selectors import records_for
    from relais.pathway.policy import persons_allowed

    user, organisation = actor.user, actor.organisation
    circle = persons_allowed(
        user=user,
        organisation=organisation,
        candidates=[r.person for r in records_for(user=user, organisation=organisation)],
    )
    if not circle:
        return base
    return Person.objects.filter(Q(pk__in=base.values("pk")) | Q(pk__in=[p.pk for p in circle]))


def may_manage_identity(actor) -> bool:
    """Orientation officers (MDPH, département), ESMS admission officers and coordinators, on the persons in their
    scope (``identity_persons_visible_to``: out of scope is a 404 before this is asked)."""
    return actor is not None and actor.user is not None and actor.role in IDENTITY_ROLES
