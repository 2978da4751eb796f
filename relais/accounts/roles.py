"""Organisation kinds and membership roles: who may do what, in one table.

A membership gives a user one role in one organisation. "admin" manages the
organisation (members, API clients) on top of what a member does; the other
roles are the functions later capabilities rely on. Which role fits which kind
of organisation, and which roles read personal data (and so need two-factor
authentication), is decided here.
"""

from django.db import models

from .professions import ProfessionalCategory


class OrganisationKind(models.TextChoices):
    MANAGING_BODY = "managing_body", "Organisme gestionnaire"
    ESMS = "esms", "Établissement ou service médico-social (ESMS)"
    MDPH = "mdph", "Maison départementale des personnes handicapées (MDPH)"
    DEPARTEMENT_COUNCIL = "departement_council", "Conseil départemental"
    ARS = "ars", "Agence régionale de santé (ARS)"
    DAC = "dac", "Dispositif d'appui à la coordination (DAC)"
    HOSPITAL = "hospital", "Établissement de santé"
    HEALTH_PRACTICE = "health_practice", "Cabinet ou maison de santé"
    NATIONAL = "national", "Niveau national (CNSA, ministère)"


class Role(models.TextChoices):
    ADMIN = "admin", "Administrateur·rice"
    MEMBER = "member", "Membre"
    DIRECTOR = "director", "Direction"
    ADMISSION_OFFICER = "admission_officer", "Chargé·e des admissions"
    CARE_PROFESSIONAL = "care_professional", "Professionnel·le de l'accompagnement"
    ORIENTATION_OFFICER = "orientation_officer", "Instructeur·rice des orientations"
    COORDINATOR = "coordinator", "Coordinateur·rice de parcours"
    ANALYST = "analyst", "Analyste (pilotage)"


K, R = OrganisationKind, Role
_EVERYWHERE = {R.ADMIN, R.MEMBER}

# Roles a membership may take in each kind of organisation.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    K.MANAGING_BODY: frozenset(_EVERYWHERE | {R.DIRECTOR, R.ANALYST}),
    K.ESMS: frozenset(_EVERYWHERE | {R.DIRECTOR, R.ADMISSION_OFFICER, R.CARE_PROFESSIONAL}),
    K.MDPH: frozenset(_EVERYWHERE | {R.DIRECTOR, R.ORIENTATION_OFFICER, R.ANALYST}),
    K.DEPARTEMENT_COUNCIL: frozenset(_EVERYWHERE | {R.DIRECTOR, R.ORIENTATION_OFFICER, R.ANALYST}),
    K.ARS: frozenset(_EVERYWHERE | {R.ANALYST}),
    K.DAC: frozenset(_EVERYWHERE | {R.DIRECTOR, R.COORDINATOR}),
    K.HOSPITAL: frozenset(_EVERYWHERE | {R.DIRECTOR, R.CARE_PROFESSIONAL, R.COORDINATOR}),
    K.HEALTH_PRACTICE: frozenset(_EVERYWHERE | {R.CARE_PROFESSIONAL}),
    K.NATIONAL: frozenset(_EVERYWHERE | {R.ANALYST}),
}

# Roles whose work means reading identified persons' data. Analysts see
# aggregates only; admins manage accounts (professionals' data) and so are in.
PERSONAL_DATA_ROLES = frozenset(
    {R.ADMIN, R.DIRECTOR, R.ADMISSION_OFFICER, R.CARE_PROFESSIONAL, R.ORIENTATION_OFFICER, R.COORDINATOR}
)


def role_label(role: str, professional_category: str = "") -> str:
    """The role as the user reads it: a care professional is named by the profession stored on their account
    ("Infirmier·ère", "Médecin"), the other roles by the role itself (a nurse and a GP are not both
    "Professionnel·le de l'accompagnement")."""
    named = set(ProfessionalCategory.values) - {ProfessionalCategory.ADMINISTRATIVE}
    if role == R.CARE_PROFESSIONAL and professional_category in named:
        return ProfessionalCategory(professional_category).label
    return Role(role).label if role in Role.values else role


def role_allowed(kind: str, role: str) -> bool:
    return role in ROLES_BY_KIND.get(kind, frozenset())


def reads_personal_data(role: str) -> bool:
    return role in PERSONAL_DATA_ROLES


# What each role can do, shown on its home page (in French, for the user).
ROLE_ABILITIES: dict[str, list[str]] = {
    R.ADMIN: [
        "Gérer les membres de votre organisation et leurs rôles.",
        "Créer et révoquer les accès techniques (API) de votre organisation.",
        "Consulter le journal des accès aux données personnelles de votre organisation.",
    ],
    R.MEMBER: ["Consulter les informations de votre organisation et le référentiel géographique."],
    R.DIRECTOR: [
        "Suivre l'activité et les indicateurs de votre organisation.",
        "Consulter le journal des accès aux données personnelles de votre organisation.",
    ],
    R.ADMISSION_OFFICER: ["Tenir à jour les places disponibles et traiter les demandes d'admission de votre ESMS."],
    R.CARE_PROFESSIONAL: [
        "Accéder aux dossiers des personnes que vous accompagnez, dans le respect du cercle de soins."
    ],
    R.ORIENTATION_OFFICER: ["Suivre les décisions d'orientation et la demande réelle de votre territoire."],
    R.COORDINATOR: [
        "Coordonner le parcours des personnes, envoyer des demandes d'admission, animer le cercle de soins."
    ],
    R.ANALYST: ["Consulter les indicateurs agrégés du territoire, sans donnée personnelle."],
}
