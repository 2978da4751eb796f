"""Who may enter a care circle, on which ground: THE rule, pure Python (no ORM), with a French reason for each refusal.

A professional candidate is described by what Relais knows of the membership they would act through: the kind of
the organisation, the role held there and the user's professional category. The ground is ``care_team`` or
``consent``; proxies (``legal``) are persons, not staff, and only their Relais account is checked
(``proxy_account_eligibility``). See docs/decisions/0031-care-circle-eligibility.md.

1. Never, on any ground (CSP L1110-4: sharing is between professionals who take part in the person's care):
   analysts (any organisation), the staff of an ARS or of the national level (CNSA, ministry), who fund and regulate,
   and, in an organisation that does not care for the person (département, MDPH, managing body), its administrative
   staff (category "administrative") and its administrators and management (roles admin, director).
2. Same care team (CSP L1110-12, R1110-2, R1110-3): a health professional or a social / medico-social professional of
   R1110-2, acting for an organisation that cares for or supports persons: a care provider kind (ESMS, health
   establishment, health practice, DAC as coordination structure). The manager attests that this organisation takes
   part in this person's care; the person is informed (the date is required by the service).
3. Consent (CSP L1110-4 III): any other professional not excluded by 1 — e.g. the APA medico-social team of a
   département, the MDPH team, a care provider's secretary or director.

Callers: ``circle.services`` (the one write path: form, FHIR CareTeam/Bundle, demo), ``policy`` (a member who is no
longer eligible, e.g. after a change of role, is refused) and the picker (``circle.selectors.circle_candidates``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from relais.accounts.professions import HEALTH_PROFESSIONS, ProfessionalCategory
from relais.accounts.roles import OrganisationKind, Role
from relais.pathway.matrix import SOCIAL_PROFESSIONS

K = OrganisationKind
CARE_TEAM, CONSENT = "care_team", "consent"  # the values of circle.models.Ground (kept import-free here)

# Organisations that care for or support persons (CSP L1110-12: same establishment, ESMS, coordination structure,
# professionals in practice).
CARE_PROVIDER_KINDS = frozenset({K.ESMS, K.HOSPITAL, K.HEALTH_PRACTICE, K.DAC})
# Funders and regulators: never in a circle, whatever the role or the profession.
FUNDER_KINDS = frozenset({K.ARS, K.NATIONAL})
# Health professionals and the social and medico-social professionals of R1110-2.
CARE_CATEGORIES = HEALTH_PROFESSIONS | SOCIAL_PROFESSIONS
# Roles that administer or manage an organisation (not a person's care) in an organisation that does not care.
MANAGEMENT_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR})


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    code: str  # stable, for tests and logs: eligible, analyst, funder, administration, category, not_care_provider
    reason: str  # French, for the user

    def __bool__(self) -> bool:
        return self.eligible


def _kind_label(kind: str) -> str:
    return str(dict(OrganisationKind.choices).get(kind, kind))


def _category_label(category: str) -> str:
    return str(dict(ProfessionalCategory.choices).get(category, category))


def _excluded(kind: str, role: str, category: str) -> Eligibility | None:
    """Rule 1: staff who never enter a circle, on any ground."""
    if role == Role.ANALYST:
        return Eligibility(
            False,
            "analyst",
            "Un·e analyste (pilotage) ne voit que des indicateurs agrégés : il ou elle n'entre dans aucun cercle "
            "de soins, sur aucun fondement (CSP L1110-4).",
        )
    if kind in FUNDER_KINDS:
        return Eligibility(
            False,
            "funder",
            f"Les agents d'un organisme financeur ou de tutelle ({_kind_label(kind)}) ne prennent pas part aux soins "
            "de la personne : ils n'entrent dans aucun cercle de soins, sur aucun fondement (CSP L1110-4).",
        )
    if kind not in CARE_PROVIDER_KINDS and (category not in CARE_CATEGORIES or role in MANAGEMENT_ROLES):
        who = "le personnel administratif" if category not in CARE_CATEGORIES else "l'administration et la direction"
        return Eligibility(
            False,
            "administration",
            f"Dans une organisation qui ne soigne ni n'accompagne la personne ({_kind_label(kind)}), {who} "
            "n'entre dans aucun cercle de soins ; seuls ses professionnels de santé ou sociaux qui évaluent la "
            "personne (CSP R1110-2) peuvent y entrer, avec son consentement.",
        )
    return None


def professional_eligibility(*, ground: str, kind: str, role: str, category: str) -> Eligibility:
    """May a professional (organisation kind, role there, professional category) enter a circle on this ground?"""
    excluded = _excluded(kind, role, category)
    if excluded is not None:
        return excluded
    if ground == CARE_TEAM:
        if category not in CARE_CATEGORIES:
            return Eligibility(
                False,
                "category",
                f"L'équipe de soins est réservée aux professionnels de santé et aux professionnels sociaux et "
                f"médico-sociaux de l'article R1110-2 du CSP ; « {_category_label(category)} » n'en fait pas partie : "
                "ajoutez-le ou la avec le consentement de la personne.",
            )
        if kind not in CARE_PROVIDER_KINDS:
            return Eligibility(
                False,
                "not_care_provider",
                f"Un·e professionnel·le agissant pour « {_kind_label(kind)} » ne fait pas partie de l'équipe de "
                "soins (CSP L1110-12 : établissement de santé, ESMS, cabinet ou maison de santé, dispositif de "
                "coordination) : ajoutez-le ou la avec le consentement de la personne.",
            )
        return Eligibility(True, "eligible", "Peut entrer dans l'équipe de soins (CSP L1110-12).")
    if ground == CONSENT:
        return Eligibility(True, "eligible", "Peut entrer dans le cercle avec le consentement de la personne.")
    return Eligibility(
        False,
        "ground",
        "Un·e professionnel·le entre dans le cercle par l'équipe de soins ou le consentement de la personne.",
    )


def proxy_account_eligibility(memberships: Iterable[tuple[str, str, str, str]]) -> Eligibility:
    """A proxy is a person, not staff: a proxy's Relais account must not be that of a funder's, a département's or an
    analyst's agent, who would then read the record while acting for that body. ``memberships``: the account's
    active memberships as (organisation name, kind, role, category). A proxy without an account is always eligible."""
    for name, kind, role, _category in memberships:
        if role == Role.ANALYST or kind in FUNDER_KINDS or kind == K.DEPARTEMENT_COUNCIL:
            return Eligibility(
                False,
                "staff_account",
                f"Ce compte Relais est celui d'un·e agent de « {name} » ({_kind_label(kind)}) : un·e proche n'entre "
                "pas dans le cercle avec le compte professionnel d'un financeur, d'une administration ou d'un·e "
                "analyste ; ajoutez-le ou la sans compte (nom seulement).",
            )
    return Eligibility(True, "eligible", "Un·e proche entre dans le cercle par sa qualité.")
