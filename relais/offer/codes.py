"""National code lists of the offer: FINESS categories' domains, care modes, capacity statuses.

Category labels come from the FINESS files themselves (each import refreshes them);
the medico-social categories and their domain are listed here, from the public FINESS
nomenclature and the CNSA correspondence table (`load_categories` can refresh them
from that table). Old codes that FINESS replaced are mapped to the new ones.
"""

from django.db import models


class Domain(models.TextChoices):
    OLDER_PEOPLE = "older_people", "Personnes âgées"
    DISABLED_CHILDREN = "disabled_children", "Enfants handicapés"
    DISABLED_ADULTS = "disabled_adults", "Adultes handicapés"
    MULTI_PUBLIC = "multi_public", "Multi-publics"
    HEALTH = "health", "Sanitaire"
    OTHER = "other", "Autre"


D = Domain
# code: (short label, domain). Written from the FINESS nomenclature; see docs/decisions/0007-offer-model.md.
MEDICO_SOCIAL_CATEGORIES: dict[str, tuple[str, str]] = {
    "500": ("EHPAD", D.OLDER_PEOPLE),
    "501": ("EHPA percevant des crédits d'assurance maladie", D.OLDER_PEOPLE),
    "502": ("EHPA ne percevant pas de crédits d'assurance maladie", D.OLDER_PEOPLE),
    "202": ("Résidence autonomie", D.OLDER_PEOPLE),
    "207": ("Accueil de jour autonome", D.OLDER_PEOPLE),
    "381": ("Établissement expérimental pour personnes âgées", D.OLDER_PEOPLE),
    "463": ("CLIC", D.OLDER_PEOPLE),
    "182": ("SESSAD", D.DISABLED_CHILDREN),
    "183": ("IME", D.DISABLED_CHILDREN),
    "186": ("ITEP", D.DISABLED_CHILDREN),
    "188": ("EEAP", D.DISABLED_CHILDREN),
    "189": ("CMPP", D.DISABLED_CHILDREN),
    "190": ("CAMSP", D.DISABLED_CHILDREN),
    "192": ("IEM", D.DISABLED_CHILDREN),
    "194": ("Institut pour déficients visuels", D.DISABLED_CHILDREN),
    "195": ("Institut pour déficients auditifs", D.DISABLED_CHILDREN),
    "196": ("Institut d'éducation sensorielle sourds-aveugles", D.DISABLED_CHILDREN),
    "221": ("BAPU", D.DISABLED_CHILDREN),
    "238": ("CAFS", D.DISABLED_CHILDREN),
    "377": ("Établissement expérimental pour enfants handicapés", D.DISABLED_CHILDREN),
    "390": ("Accueil temporaire pour enfants handicapés", D.DISABLED_CHILDREN),
    "396": ("Foyer d'hébergement pour enfants et adolescents handicapés", D.DISABLED_CHILDREN),
    "402": ("Jardin d'enfants spécialisé", D.DISABLED_CHILDREN),
    "198": ("ESPO (ex-CPO)", D.DISABLED_ADULTS),
    "246": ("ESAT", D.DISABLED_ADULTS),
    "249": ("ESRP (ex-CRP)", D.DISABLED_ADULTS),
    "252": ("Foyer d'hébergement pour adultes handicapés", D.DISABLED_ADULTS),
    "253": ("Foyer d'accueil polyvalent pour adultes handicapés", D.DISABLED_ADULTS),
    "255": ("MAS", D.DISABLED_ADULTS),
    "379": ("Établissement expérimental pour adultes handicapés", D.DISABLED_ADULTS),
    "382": ("Foyer de vie pour adultes handicapés", D.DISABLED_ADULTS),
    "395": ("Accueil temporaire pour adultes handicapés", D.DISABLED_ADULTS),
    "437": ("FAM", D.DISABLED_ADULTS),
    "445": ("SAMSAH", D.DISABLED_ADULTS),
    "446": ("SAVS", D.DISABLED_ADULTS),
    "448": ("EAM", D.DISABLED_ADULTS),
    "449": ("EANM", D.DISABLED_ADULTS),
    "461": ("Centre de ressources", D.DISABLED_ADULTS),
    "464": ("UEROS", D.DISABLED_ADULTS),
    "209": ("SPASAD", D.MULTI_PUBLIC),
    "354": ("SSIAD", D.MULTI_PUBLIC),
    "370": ("Établissement expérimental pour personnes handicapées", D.MULTI_PUBLIC),
    "460": ("SAAD", D.MULTI_PUBLIC),
    "462": ("Lieu de vie et d'accueil", D.MULTI_PUBLIC),
}

# Old FINESS categories replaced by new ones (offer.md): FAM → EAM; foyers → EANM.
REPLACED_CATEGORIES: dict[str, str] = {"437": "448", "252": "449", "253": "449", "382": "449"}

# FINESS category aggregates (categagretab) of health establishments, for the "health" domain.
HEALTH_CATEGORY_PREFIXES = ("1",)  # 1xxx aggregates: établissements de santé


def current_category(code: str) -> str:
    return REPLACED_CATEGORIES.get(code, code)


def domain_of(code: str, aggregate: str = "") -> str:
    code = current_category(code)
    if code in MEDICO_SOCIAL_CATEGORIES:
        return MEDICO_SOCIAL_CATEGORIES[code][1]
    if aggregate.startswith(HEALTH_CATEGORY_PREFIXES):
        return D.HEALTH
    return D.OTHER


class CareMode(models.TextChoices):
    """Modes of care (ROR "mode de prise en charge"), one per unit."""

    PERMANENT_ACCOMMODATION = "permanent_accommodation", "Hébergement permanent"
    TEMPORARY_ACCOMMODATION = "temporary_accommodation", "Hébergement temporaire"
    DAY_CARE = "day_care", "Accueil de jour"
    NIGHT_CARE = "night_care", "Accueil de nuit"
    EXTERNAT = "externat", "Externat"
    SEMI_INTERNAT = "semi_internat", "Semi-internat"
    INTERNAT = "internat", "Internat"
    HOME_SERVICES = "home_services", "Prestations en milieu ordinaire (à domicile)"
    SHELTERED_WORK = "sheltered_work", "Accueil en milieu protégé (travail)"


class CapacityStatus(models.TextChoices):
    """Capacity figures of a unit. ROR capacity status codes where they exist (rorCapacityStatus)."""

    AUTHORISED = "authorised", "Autorisée"
    INSTALLED = "installed", "Installée"
    AVAILABLE = "available", "Disponible"
    OCCUPIED = "occupied", "Occupée"
    RESERVED = "reserved", "Réservée"
    CLOSED = "closed", "Fermée"


ROR_CAPACITY_STATUS = {
    CapacityStatus.INSTALLED: "01",
    CapacityStatus.AVAILABLE: "02",
    CapacityStatus.OCCUPIED: "03",
    CapacityStatus.RESERVED: "04",
    CapacityStatus.CLOSED: "05",
}


class Deficiency(models.TextChoices):
    """Main deficiency types served (disability), after the CNSA groups."""

    INTELLECTUAL = "intellectual", "Déficience intellectuelle"
    AUTISM = "autism", "Troubles du spectre de l'autisme"
    PSYCHIC = "psychic", "Handicap psychique"
    MOTOR = "motor", "Déficience motrice"
    MULTIPLE = "multiple", "Polyhandicap"
    VISUAL = "visual", "Déficience visuelle"
    HEARING = "hearing", "Déficience auditive"
    BEHAVIOUR = "behaviour", "Troubles du comportement"
    BRAIN_INJURY = "brain_injury", "Cérébro-lésion"
    OTHER = "other", "Autre"
