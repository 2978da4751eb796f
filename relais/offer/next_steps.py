"""What a family does next, on a site's public page: how to apply, by kind of establishment, and whom to call.

Pure: reads a Site (its category and contact fields), writes nothing. The contact is always the establishment's own
(phone, e-mail, website of the site, else of its managing body), never a staff member (decision 0032). Decision 0037.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .codes import Domain, current_category
from .models import Site

VIA_TRAJECTOIRE = ("ViaTrajectoire (dossier en ligne)", "https://trajectoire.sante-ra.fr/")
MDPH_ONLINE = ("Mon parcours handicap : demander à la MDPH", "https://www.monparcourshandicap.gouv.fr/")

# Older people's accommodation: the national admission file (Cerfa 14732*03) serves them all.
ACCOMMODATION_OLDER = {"500", "501", "502", "202", "381"}
HOME_SERVICES = {"209", "460"}  # SPASAD, SAAD: help at home, contacted directly
NURSING_AT_HOME = {"354"}  # SSIAD: nursing care at home, on a doctor's prescription
# Disability services families contact directly, without a MDPH decision.
DIRECT_ACCESS = {"189": "CMPP", "190": "CAMSP", "221": "BAPU", "461": "centre de ressources"}
INFORMATION = {"463"}  # CLIC: information and guidance for older people


@dataclass(frozen=True)
class Contact:
    label: str
    value: str
    href: str = ""


@dataclass
class NextSteps:
    title: str
    steps: list[str]
    links: list[tuple[str, str]] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)


def _older_accommodation() -> NextSteps:
    return NextSteps(
        "Demander une admission",
        [
            "Remplissez le dossier unique de demande d'admission en établissement pour personnes âgées "
            "(Cerfa n° 14732*03) : un volet administratif, et un volet médical rempli par le médecin traitant.",
            "Déposez-le en ligne sur ViaTrajectoire, ou envoyez-le sur papier : le même dossier vaut pour plusieurs "
            "établissements à la fois.",
            "L'établissement étudie le dossier et vous propose une visite ou un entretien de pré-admission ; "
            "les places libres affichées ici sont à confirmer avec lui.",
            "Aides possibles : APA en établissement et aide sociale à l'hébergement (conseil départemental), "
            "aide au logement (CAF, MSA).",
        ],
        [VIA_TRAJECTOIRE],
    )


def _disability(domain: str) -> NextSteps:
    public = "votre enfant" if domain == Domain.DISABLED_CHILDREN else "la personne"
    return NextSteps(
        "Demander une admission",
        [
            f"D'abord, une orientation de la MDPH : déposez une demande (formulaire Cerfa n° 15692*01, avec un "
            f"certificat médical) à la MDPH du département où vit {public}. La CDAPH décide de l'orientation vers "
            "ce type d'établissement ou de service.",
            "Avec la notification d'orientation, contactez l'établissement pour une demande d'admission ; il peut "
            "vous inscrire sur sa liste d'attente.",
            "Les places libres affichées ici sont à confirmer avec l'établissement.",
        ],
        [MDPH_ONLINE],
    )


def _direct(kind: str) -> NextSteps:
    return NextSteps(
        "Prendre contact",
        [
            f"Un {kind} s'adresse directement, sans notification de la MDPH : appelez ou écrivez pour un premier "
            "rendez-vous.",
            "Le médecin qui suit la personne peut aussi vous y adresser.",
        ],
    )


def _nursing_at_home() -> NextSteps:
    return NextSteps(
        "Demander une intervention",
        [
            "Les soins infirmiers à domicile sont prescrits par un médecin : demandez une ordonnance au "
            "médecin traitant.",
            "Contactez le service avec l'ordonnance ; il vérifie que votre commune est dans sa zone d'intervention.",
            "Les soins sont pris en charge par l'Assurance maladie.",
        ],
    )


def _home_services() -> NextSteps:
    return NextSteps(
        "Demander une aide à domicile",
        [
            "Contactez le service directement : il évalue les besoins à domicile et propose un devis.",
            "Aides possibles : l'APA (personnes âgées, conseil départemental) ou la PCH (personnes handicapées, "
            "demandée à la MDPH).",
        ],
        [MDPH_ONLINE],
    )


def _information() -> NextSteps:
    return NextSteps(
        "Se faire conseiller",
        [
            "Le CLIC informe et oriente gratuitement les personnes âgées et leurs proches : aides, établissements, "
            "démarches. Appelez-le ou passez le voir."
        ],
    )


def _health() -> NextSteps:
    return NextSteps(
        "Être pris en charge",
        [
            "Une hospitalisation programmée passe par le médecin traitant ou un spécialiste.",
            "En cas d'urgence, appelez le 15 (SAMU) ou le 112.",
        ],
    )


def _other() -> NextSteps:
    return NextSteps("Prendre contact", ["Contactez l'établissement pour connaître ses conditions d'accueil."])


def site_contacts(site: Site) -> list[Contact]:
    """The establishment's phone, e-mail and website (the managing body's phone when the site has none)."""
    contacts = []
    phone = site.phone or (site.legal_entity.phone if site.legal_entity_id else "")
    if phone:
        label = "Téléphone" if site.phone else "Téléphone (organisme gestionnaire)"
        contacts.append(Contact(label, phone, "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")))
    if site.email:
        contacts.append(Contact("E-mail", site.email, f"mailto:{site.email}"))
    if site.website:
        contacts.append(Contact("Site web", site.website, site.website if site.website.startswith("http") else ""))
    return contacts


def site_next_steps(site: Site) -> NextSteps:
    """How to apply to this site, by its category (an old FINESS code reads as its replacement)."""
    code = current_category(site.category_id or "")
    domain = site.category.domain if site.category_id else Domain.OTHER
    if code in ACCOMMODATION_OLDER:
        steps = _older_accommodation()
    elif code in DIRECT_ACCESS:
        steps = _direct(DIRECT_ACCESS[code])
    elif code in NURSING_AT_HOME:
        steps = _nursing_at_home()
    elif code in HOME_SERVICES:
        steps = _home_services()
    elif code in INFORMATION:
        steps = _information()
    elif domain in (Domain.DISABLED_CHILDREN, Domain.DISABLED_ADULTS) or (
        domain == Domain.MULTI_PUBLIC and code in {"370", "462"}
    ):
        steps = _disability(domain)
    elif domain == Domain.OLDER_PEOPLE:
        steps = _other()
    elif domain == Domain.HEALTH:
        steps = _health()
    else:
        steps = _other()
    steps.contacts = site_contacts(site)
    return steps
