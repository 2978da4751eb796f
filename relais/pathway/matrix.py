"""The sharing matrix: which kind of circle member may read or write which category of a person's data.

The default follows the French rules (docs/decisions/0019-care-circle-policy.md): medical data for health professionals
only; social data for health and social/medico-social professionals (CSP R1110-2); identity, plan and messages for every
professional of the circle; proxies (trusted person, legal guardian, carer) have distinct, narrower rights. A deployment
may change cells with the RELAIS_SHARING_MATRIX setting ("profile:category" -> "", "read" or "read,write"); unknown
profiles, categories or actions stop the start-up with a message naming the key.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from relais.accounts.professions import HEALTH_PROFESSIONS, ProfessionalCategory

# Data categories of a person's record.
IDENTITY, SOCIAL, MEDICAL, DOCUMENTS, MESSAGES, PLAN = "identity", "social", "medical", "documents", "messages", "plan"
CATEGORIES = {
    IDENTITY: "identité",
    SOCIAL: "données sociales",
    MEDICAL: "données médicales",
    DOCUMENTS: "documents",
    MESSAGES: "messages",
    PLAN: "plan personnalisé de coordination",
}
# The same categories in a sentence ("au partage de ses …", "ne couvre pas …"): French needs the article and the
# number of each noun, which a label alone cannot give ("ses identité" was printed).
THEIR = {
    IDENTITY: "ses données d'identité",
    SOCIAL: "ses données sociales",
    MEDICAL: "ses données médicales",
    DOCUMENTS: "ses documents",
    MESSAGES: "ses messages",
    PLAN: "son plan personnalisé de coordination",
}
THE = {
    IDENTITY: "les données d'identité",
    SOCIAL: "les données sociales",
    MEDICAL: "les données médicales",
    DOCUMENTS: "les documents",
    MESSAGES: "les messages",
    PLAN: "le plan personnalisé de coordination",
}
READ, WRITE = "read", "write"
ACTIONS = {READ: "consulter", WRITE: "modifier"}

# Member profiles: professionals by category, proxies by role.
HEALTH, SOCIAL_PRO, OTHER_PRO = "health", "social", "other"
TRUSTED_PERSON, LEGAL_GUARDIAN, CARER = "trusted_person", "legal_guardian", "carer"
PROFILES = {
    HEALTH: "professionnel·le de santé",
    SOCIAL_PRO: "professionnel·le du social ou du médico-social",
    OTHER_PRO: "autre professionnel·le",
    TRUSTED_PERSON: "personne de confiance",
    LEGAL_GUARDIAN: "représentant·e légal·e",
    CARER: "aidant·e",
}
# Social and medico-social professionals listed by CSP R1110-2 (the other non-health categories of professions.py).
SOCIAL_PROFESSIONS = frozenset(ProfessionalCategory.values) - HEALTH_PROFESSIONS - {ProfessionalCategory.ADMINISTRATIVE}

_RW, _R = frozenset({READ, WRITE}), frozenset({READ})
DEFAULT_MATRIX: dict[str, dict[str, frozenset[str]]] = {
    HEALTH: {IDENTITY: _RW, SOCIAL: _RW, MEDICAL: _RW, DOCUMENTS: _RW, MESSAGES: _RW, PLAN: _RW},
    SOCIAL_PRO: {IDENTITY: _RW, SOCIAL: _RW, DOCUMENTS: _RW, MESSAGES: _RW, PLAN: _RW},
    OTHER_PRO: {IDENTITY: _R, MESSAGES: _RW, PLAN: _R},
    # A legal guardian acts for the protected person: reads everything the person could, medical data included.
    LEGAL_GUARDIAN: {IDENTITY: _R, SOCIAL: _R, MEDICAL: _R, DOCUMENTS: _R, MESSAGES: _RW, PLAN: _R},
    TRUSTED_PERSON: {IDENTITY: _R, MESSAGES: _RW, PLAN: _R},
    CARER: {IDENTITY: _R, MESSAGES: _RW, PLAN: _R},
}


def profile_of_professional(category: str) -> str:
    if category in HEALTH_PROFESSIONS:
        return HEALTH
    return SOCIAL_PRO if category in SOCIAL_PROFESSIONS else OTHER_PRO


def effective_matrix() -> dict[str, dict[str, frozenset[str]]]:
    matrix = {profile: dict(cells) for profile, cells in DEFAULT_MATRIX.items()}
    for key, value in (getattr(settings, "RELAIS_SHARING_MATRIX", None) or {}).items():
        profile, _sep, category = key.partition(":")
        actions = frozenset(a.strip() for a in value.split(",") if a.strip())
        if profile not in PROFILES or category not in CATEGORIES or not actions <= set(ACTIONS):
            raise ImproperlyConfigured(
                f"RELAIS_SHARING_MATRIX: « {key} » = « {value} » is not valid (profiles: {', '.join(PROFILES)}; "
                f"categories: {', '.join(CATEGORIES)}; actions: read, write)."
            )
        if WRITE in actions:
            actions |= {READ}
        matrix[profile][category] = actions
    return matrix


def allowed_actions(profile: str, category: str) -> frozenset[str]:
    return effective_matrix()[profile].get(category, frozenset())
