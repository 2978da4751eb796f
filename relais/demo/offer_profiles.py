"""What a synthetic offer directory looks like: categories, their share of sites, and their units.

Figures are plausible orders of magnitude, not statistics. Each category lists unit templates; the
first of a medico-social category is always present, the others with their probability. Ages, GIR
ranges, deficiencies and care modes follow the category (EHPAD: 60 and over, GIR 1 to 6; IME: 6 to
20, intellectual deficiency or autism; ESAT: 20 to 62, sheltered work…).
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.offer.codes import CareMode as M
from relais.offer.codes import Deficiency as Df
from relais.offer.codes import Domain


@dataclass(frozen=True)
class UnitTemplate:
    name: str
    care_mode: str
    ages: tuple[int | None, int | None]
    places: tuple[int, int]
    probability: float = 1.0
    gir: tuple[int, int] | None = None
    alzheimer: bool = False
    deficiencies: tuple[str, ...] = ()  # a pool: each unit draws one to three of them
    activity: str = ""
    organisation_category: str = ""  # TRE_R244, when the site's FINESS category does not give it (decision 0049)


OLD = (60, None)
ADULT = (20, None)
GIR_ALL = (1, 6)
INTELLECTUAL = (Df.INTELLECTUAL, Df.AUTISM, Df.MULTIPLE, Df.PSYCHIC)
U = UnitTemplate

# Units of each category. Home services get an eligibility zone (the communes they serve).
UNITS: dict[str, tuple[UnitTemplate, ...]] = {
    "500": (
        U("Hébergement permanent", M.PERMANENT_ACCOMMODATION, OLD, (40, 100), gir=GIR_ALL),
        U("Hébergement temporaire", M.TEMPORARY_ACCOMMODATION, OLD, (2, 8), 0.8, gir=GIR_ALL),
        U(
            "Unité de vie protégée Alzheimer",
            M.PERMANENT_ACCOMMODATION,
            OLD,
            (10, 28),
            0.5,
            (1, 4),
            True,
            organisation_category="24",  # Accueil ou hébergement PA dépendantes, avec spécificité UVP
        ),
        U("Accueil de jour", M.DAY_CARE, OLD, (6, 15), 0.45, gir=GIR_ALL),
        U("Accueil de nuit", M.NIGHT_CARE, OLD, (2, 4), 0.03, gir=GIR_ALL),
    ),
    # An EHPA may house dependent or autonomous people (no FINESS default): the demo's say which (decision 0049).
    "501": (
        U("Hébergement permanent", M.PERMANENT_ACCOMMODATION, OLD, (20, 60), gir=(3, 6), organisation_category="21"),
    ),
    "502": (
        U("Hébergement permanent", M.PERMANENT_ACCOMMODATION, OLD, (15, 40), gir=(4, 6), organisation_category="22"),
    ),
    "202": (
        U("Logements", M.PERMANENT_ACCOMMODATION, OLD, (20, 70), gir=(4, 6)),
        U("Hébergement temporaire", M.TEMPORARY_ACCOMMODATION, OLD, (1, 3), 0.3, gir=(4, 6)),
        U("Accueil de jour", M.DAY_CARE, OLD, (4, 10), 0.15, gir=(3, 6)),
    ),
    "207": (U("Accueil de jour Alzheimer", M.DAY_CARE, OLD, (8, 20), gir=GIR_ALL, alzheimer=True),),
    "381": (U("Hébergement expérimental", M.PERMANENT_ACCOMMODATION, OLD, (10, 30), gir=GIR_ALL),),
    "182": (
        U("Accompagnement à domicile et à l'école", M.HOME_SERVICES, (6, 20), (15, 60), deficiencies=INTELLECTUAL),
        U("Accompagnement précoce", M.HOME_SERVICES, (0, 6), (5, 15), 0.4, deficiencies=INTELLECTUAL),
    ),
    "183": (
        U("Semi-internat", M.SEMI_INTERNAT, (6, 20), (20, 60), deficiencies=INTELLECTUAL[:3]),
        U("Internat", M.INTERNAT, (8, 20), (8, 30), 0.5, deficiencies=INTELLECTUAL[:3]),
        U("Externat", M.EXTERNAT, (6, 20), (5, 20), 0.4, deficiencies=INTELLECTUAL[:3]),
    ),
    "186": (
        U("Semi-internat", M.SEMI_INTERNAT, (6, 18), (15, 40), deficiencies=(Df.BEHAVIOUR, Df.PSYCHIC)),
        U("Internat", M.INTERNAT, (6, 18), (8, 24), 0.6, deficiencies=(Df.BEHAVIOUR, Df.PSYCHIC)),
    ),
    "188": (
        U("Semi-internat", M.SEMI_INTERNAT, (3, 20), (8, 25), deficiencies=(Df.MULTIPLE,)),
        U("Internat", M.INTERNAT, (3, 20), (8, 25), 0.8, deficiencies=(Df.MULTIPLE,)),
    ),
    "189": (U("Consultations", M.EXTERNAT, (0, 20), (30, 150), deficiencies=(Df.PSYCHIC, Df.BEHAVIOUR, Df.AUTISM)),),
    "190": (U("Consultations et rééducation", M.EXTERNAT, (0, 6), (40, 150), deficiencies=tuple(Df.values[:8])),),
    "192": (
        U("Semi-internat", M.SEMI_INTERNAT, (3, 20), (15, 50), deficiencies=(Df.MOTOR, Df.MULTIPLE)),
        U("Internat", M.INTERNAT, (6, 20), (8, 25), 0.6, deficiencies=(Df.MOTOR,)),
    ),
    "194": (U("Semi-internat", M.SEMI_INTERNAT, (3, 20), (10, 40), deficiencies=(Df.VISUAL,)),),
    "195": (
        U("Semi-internat", M.SEMI_INTERNAT, (3, 20), (10, 40), deficiencies=(Df.HEARING,)),
        U("Internat", M.INTERNAT, (6, 20), (5, 20), 0.4, deficiencies=(Df.HEARING,)),
    ),
    "196": (U("Internat", M.INTERNAT, (3, 20), (5, 20), deficiencies=(Df.VISUAL, Df.HEARING)),),
    "377": (U("Accueil expérimental", M.SEMI_INTERNAT, (3, 20), (5, 20), deficiencies=(Df.AUTISM,)),),
    "390": (U("Accueil temporaire", M.TEMPORARY_ACCOMMODATION, (3, 20), (3, 10), deficiencies=INTELLECTUAL),),
    "246": (
        U("Travail protégé", M.SHELTERED_WORK, (20, 62), (30, 120), deficiencies=(*INTELLECTUAL[:2], Df.PSYCHIC)),
        U("Section annexe", M.DAY_CARE, (20, 62), (5, 15), 0.3, deficiencies=INTELLECTUAL[:2]),
    ),
    "249": (
        U("Formation en internat", M.INTERNAT, (18, 62), (20, 80), deficiencies=(Df.MOTOR, Df.PSYCHIC, Df.OTHER)),
        U("Formation en externat", M.EXTERNAT, (18, 62), (10, 40), 0.7, deficiencies=(Df.MOTOR, Df.PSYCHIC)),
    ),
    "255": (
        U("Hébergement permanent", M.PERMANENT_ACCOMMODATION, ADULT, (20, 60), deficiencies=(Df.MULTIPLE, Df.AUTISM)),
        U("Hébergement temporaire", M.TEMPORARY_ACCOMMODATION, ADULT, (1, 4), 0.5, deficiencies=(Df.MULTIPLE,)),
        U("Accueil de jour", M.DAY_CARE, ADULT, (3, 8), 0.3, deficiencies=(Df.MULTIPLE, Df.MOTOR)),
    ),
    "448": (
        U("Hébergement permanent", M.PERMANENT_ACCOMMODATION, ADULT, (20, 50), deficiencies=(*INTELLECTUAL, Df.MOTOR)),
        U("Hébergement temporaire", M.TEMPORARY_ACCOMMODATION, ADULT, (1, 4), 0.4, deficiencies=INTELLECTUAL),
        U("Accueil de jour", M.DAY_CARE, ADULT, (4, 12), 0.4, deficiencies=INTELLECTUAL),
    ),
    "449": (
        U("Foyer de vie", M.PERMANENT_ACCOMMODATION, ADULT, (15, 50), deficiencies=INTELLECTUAL),
        U("Accueil de jour", M.DAY_CARE, ADULT, (5, 15), 0.5, deficiencies=INTELLECTUAL),
        U("Hébergement temporaire", M.TEMPORARY_ACCOMMODATION, ADULT, (1, 3), 0.3, deficiencies=INTELLECTUAL),
    ),
    "395": (U("Accueil temporaire", M.TEMPORARY_ACCOMMODATION, ADULT, (3, 10), deficiencies=INTELLECTUAL),),
    "445": (
        U(
            "Accompagnement médico-social",
            M.HOME_SERVICES,
            (18, None),
            (15, 40),
            deficiencies=(Df.PSYCHIC, Df.MOTOR, Df.BRAIN_INJURY),
        ),
    ),
    "446": (
        U(
            "Accompagnement à la vie sociale",
            M.HOME_SERVICES,
            (18, None),
            (20, 80),
            deficiencies=(*INTELLECTUAL, Df.MOTOR),
        ),
    ),
    "198": (U("Pré-orientation", M.INTERNAT, (18, 62), (10, 30), deficiencies=(Df.MOTOR, Df.PSYCHIC)),),
    "379": (U("Accueil expérimental", M.PERMANENT_ACCOMMODATION, ADULT, (5, 20), deficiencies=(Df.AUTISM,)),),
    "464": (U("Réentraînement", M.EXTERNAT, (18, 62), (5, 20), deficiencies=(Df.BRAIN_INJURY,)),),
    "209": (
        U("Soins et aide à domicile — personnes âgées", M.HOME_SERVICES, OLD, (30, 90), gir=GIR_ALL),
        U(
            "Soins et aide à domicile — personnes handicapées",
            M.HOME_SERVICES,
            (18, 59),
            (3, 10),
            0.5,
            deficiencies=(Df.MOTOR, Df.MULTIPLE, Df.OTHER),
        ),
    ),
    "354": (
        U("Soins infirmiers à domicile — personnes âgées", M.HOME_SERVICES, OLD, (30, 90), gir=GIR_ALL),
        U(
            "Soins infirmiers à domicile — personnes handicapées",
            M.HOME_SERVICES,
            (18, 59),
            (3, 10),
            0.6,
            deficiencies=(Df.MOTOR, Df.MULTIPLE, Df.OTHER),
        ),
    ),
    "460": (
        U("Aide et accompagnement à domicile — personnes âgées", M.HOME_SERVICES, OLD, (30, 200), gir=GIR_ALL),
        U(
            "Aide et accompagnement à domicile — personnes handicapées",
            M.HOME_SERVICES,
            (18, 59),
            (5, 40),
            0.6,
            deficiencies=(Df.MOTOR, Df.INTELLECTUAL, Df.PSYCHIC, Df.OTHER),
        ),
    ),
    "462": (U("Lieu de vie", M.PERMANENT_ACCOMMODATION, (6, None), (3, 10), deficiencies=(Df.PSYCHIC, Df.BEHAVIOUR)),),
    "370": (U("Accueil expérimental", M.DAY_CARE, (18, None), (5, 20), deficiencies=(Df.AUTISM, Df.PSYCHIC)),),
    # Health: long-term care and rehabilitation units, which orientation also looks for.
    "101": (
        U("Soins médicaux et de réadaptation", M.PERMANENT_ACCOMMODATION, (18, None), (30, 90), 0.8),
        U("Unité de soins de longue durée", M.PERMANENT_ACCOMMODATION, OLD, (30, 80), 0.5, (1, 3)),
    ),
    "355": (
        U("Soins médicaux et de réadaptation", M.PERMANENT_ACCOMMODATION, (18, None), (20, 60), 0.7),
        U("Unité de soins de longue durée", M.PERMANENT_ACCOMMODATION, OLD, (20, 60), 0.6, (1, 3)),
        U("Hôpital de jour de réadaptation", M.DAY_CARE, (18, None), (5, 15), 0.4),
    ),
    "106": (
        U("Soins médicaux et de réadaptation", M.PERMANENT_ACCOMMODATION, (18, None), (15, 40), 0.8),
        U("Unité de soins de longue durée", M.PERMANENT_ACCOMMODATION, OLD, (15, 40), 0.5, (1, 3)),
    ),
    "109": (
        U("Soins médicaux et de réadaptation", M.PERMANENT_ACCOMMODATION, (18, None), (30, 90)),
        U("Hôpital de jour de réadaptation", M.DAY_CARE, (18, None), (5, 20), 0.5),
    ),
    "292": (
        U("Psychiatrie adulte — hospitalisation complète", M.PERMANENT_ACCOMMODATION, (18, None), (30, 120)),
        U("Psychiatrie adulte — hôpital de jour", M.DAY_CARE, (18, None), (10, 30), 0.8),
    ),
    "127": (U("Hospitalisation à domicile", M.HOME_SERVICES, (0, None), (20, 80)),),
}

# Short label (used in names) and share of sites (per mille) of each category. About 75 % medico-social,
# 17 % health, 8 % other (pharmacies, laboratories): the directory holds them all, as FINESS does.
CATEGORIES: dict[str, tuple[str, int]] = {
    "500": ("EHPAD", 150),
    "501": ("EHPA", 5),
    "502": ("EHPA", 5),
    "202": ("Résidence autonomie", 35),
    "207": ("Accueil de jour", 12),
    "381": ("Établissement expérimental", 2),
    "463": ("CLIC", 8),
    "182": ("SESSAD", 45),
    "183": ("IME", 35),
    "186": ("ITEP", 12),
    "188": ("EEAP", 6),
    "189": ("CMPP", 12),
    "190": ("CAMSP", 10),
    "192": ("IEM", 6),
    "194": ("Institut pour déficients visuels", 2),
    "195": ("Institut pour déficients auditifs", 3),
    "196": ("Institut sourds-aveugles", 1),
    "377": ("Établissement expérimental", 1),
    "390": ("Accueil temporaire", 1),
    "246": ("ESAT", 40),
    "249": ("ESRP", 5),
    "255": ("MAS", 18),
    "448": ("EAM", 28),
    "449": ("Foyer de vie", 50),
    "395": ("Accueil temporaire", 1),
    "445": ("SAMSAH", 14),
    "446": ("SAVS", 28),
    "198": ("ESPO", 1),
    "379": ("Établissement expérimental", 1),
    "461": ("Centre de ressources", 3),
    "464": ("UEROS", 1),
    "209": ("SPASAD", 9),
    "354": ("SSIAD", 45),
    "460": ("SAAD", 90),
    "462": ("Lieu de vie", 6),
    "370": ("Établissement expérimental", 1),
    "101": ("Centre hospitalier régional", 2),
    "355": ("Centre hospitalier", 30),
    "106": ("Centre hospitalier", 10),
    "365": ("Clinique", 20),
    "128": ("Clinique chirurgicale", 15),
    "109": ("Centre de rééducation", 20),
    "292": ("Centre hospitalier spécialisé", 6),
    "127": ("Hospitalisation à domicile", 5),
    "124": ("Centre de santé", 20),
    "603": ("Maison de santé", 22),
    "620": ("Pharmacie", 40),
    "611": ("Laboratoire de biologie médicale", 10),
}

# Categories outside the medico-social reference (codes.py), created by the demo when missing.
# Labels from the public FINESS nomenclature; the FINESS import refreshes them.
EXTRA_CATEGORIES: dict[str, tuple[str, str]] = {
    "101": ("Centre Hospitalier Régional (C.H.R.)", Domain.HEALTH),
    "355": ("Centre Hospitalier (C.H.)", Domain.HEALTH),
    "106": ("Centre hospitalier, ex Hôpital local", Domain.HEALTH),
    "365": ("Établissement de Soins Pluridisciplinaire", Domain.HEALTH),
    "128": ("Établissement de Soins Chirurgicaux", Domain.HEALTH),
    "109": ("Établissement de santé privé autorisé en SSR", Domain.HEALTH),
    "292": ("Centre Hospitalier Spécialisé lutte Maladies Mentales", Domain.HEALTH),
    "127": ("Hospitalisation à Domicile", Domain.HEALTH),
    "124": ("Centre de Santé", Domain.HEALTH),
    "603": ("Maison de santé (L.6223-3)", Domain.HEALTH),
    "620": ("Pharmacie d'Officine", Domain.OTHER),
    "611": ("Laboratoire de Biologie Médicale", Domain.OTHER),
}

HOSPITAL_CATEGORY = "355"

LEGAL_STATUSES = (
    "Association loi 1901 non reconnue d'utilité publique",
    "Association loi 1901 reconnue d'utilité publique",
    "Fondation",
    "Centre communal d'action sociale",
    "Établissement social et médico-social communal",
    "Mutuelle",
    "Société par actions simplifiée",
    "Société à responsabilité limitée",
)
HEALTH_STATUSES = ("Établissement public communal d'hospitalisation", "Société par actions simplifiée")
PHARMACY_STATUSES = ("Société d'exercice libéral à responsabilité limitée", "Société en nom collectif")

STREETS = (
    "rue de la Gare", "avenue Jean-Jaurès", "place de l'Église", "chemin des Vignes", "rue Pasteur",
    "boulevard Victor-Hugo", "rue du Stade", "allée des Tilleuls", "route de la Mer", "rue des Écoles",
    "impasse du Moulin", "rue Nationale", "avenue de la République", "rue du Général-de-Gaulle",
)  # fmt: skip
