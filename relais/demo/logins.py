"""Named demo accounts, one per role, printed by `make run`. All synthetic."""

from dataclasses import dataclass

from relais.accounts.professions import ProfessionalCategory as Cat
from relais.accounts.roles import OrganisationKind as Kind
from relais.accounts.roles import Role

EMAIL_DOMAIN = "demo.relais.test"
DEMO_PASSWORD = "relais-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    first_name: str
    last_name: str
    category: str
    memberships: tuple[tuple[str, str], ...]  # (organisation kind, role); the first is the default
    description: str


def _email(local: str) -> str:
    return f"{local}@{EMAIL_DOMAIN}"


DEMO_LOGINS = (
    DemoLogin(
        _email("admin.esms"),
        "Alix",
        "Démo-Admin",
        Cat.ADMINISTRATIVE,
        ((Kind.ESMS, Role.ADMIN),),
        "administrateur·rice d'un ESMS",
    ),
    DemoLogin(
        _email("admissions.esms"),
        "Noa",
        "Démo-Admissions",
        Cat.ESMS_STAFF,
        ((Kind.ESMS, Role.ADMISSION_OFFICER),),
        "chargé·e des admissions d'un ESMS",
    ),
    DemoLogin(
        _email("direction.esms"),
        "Sacha",
        "Démo-Direction",
        Cat.ADMINISTRATIVE,
        ((Kind.ESMS, Role.DIRECTOR),),
        "direction d'un ESMS",
    ),
    DemoLogin(
        _email("direction.gestionnaire"),
        "Morgan",
        "Démo-Gestionnaire",
        Cat.ADMINISTRATIVE,
        ((Kind.MANAGING_BODY, Role.DIRECTOR),),
        "direction d'un organisme gestionnaire",
    ),
    DemoLogin(
        _email("orientation.mdph"),
        "Claude",
        "Démo-MDPH",
        Cat.MDPH_TEAM,
        ((Kind.MDPH, Role.ORIENTATION_OFFICER),),
        "instructeur·rice MDPH",
    ),
    DemoLogin(
        _email("pilotage.departement"),
        "Dominique",
        "Démo-Département",
        Cat.ADMINISTRATIVE,
        ((Kind.DEPARTEMENT_COUNCIL, Role.ANALYST),),
        "pilotage au conseil départemental",
    ),
    DemoLogin(
        _email("pilotage.ars"), "Andrea", "Démo-ARS", Cat.ADMINISTRATIVE, ((Kind.ARS, Role.ANALYST),), "analyste ARS"
    ),
    DemoLogin(
        _email("coordination.dac"),
        "Lou",
        "Démo-Coordination",
        Cat.COORDINATION_STAFF,
        ((Kind.DAC, Role.COORDINATOR), (Kind.HOSPITAL, Role.COORDINATOR)),
        "coordinateur·rice DAC (aussi à l'hôpital : sélecteur d'organisation)",
    ),
    DemoLogin(
        _email("infirmiere.hopital"),
        "Eden",
        "Démo-Infirmière",
        Cat.NURSE,
        ((Kind.HOSPITAL, Role.CARE_PROFESSIONAL),),
        "infirmier·ère à l'hôpital",
    ),
    DemoLogin(
        _email("medecin.ville"),
        "Charlie",
        "Démo-Médecin",
        Cat.PHYSICIAN,
        ((Kind.HEALTH_PRACTICE, Role.CARE_PROFESSIONAL),),
        "médecin généraliste en maison de santé",
    ),
    DemoLogin(
        _email("pilotage.national"),
        "Ange",
        "Démo-CNSA",
        Cat.ADMINISTRATIVE,
        ((Kind.NATIONAL, Role.ANALYST),),
        "analyste au niveau national",
    ),
)
