"""Data items: the figures of one ESMS for one year that the indicators are computed from (pure Python).

A data item is named once here, by a stable code. Its value for an ESMS and a year comes from one of three sources:

- RECORDED: computed from the activity rows (stays, absences, daily presence) that Relais fills from its own records
  (admissions, final discharges, hospital movements) or imports from an ESMS record system;
- DECLARED: typed or imported as a figure (staff, financed days, validated GMP…), one value per ESMS, year and item;
- ACCOUNTS: the sum of account balances (ERRD/CA, M22/M21 plans) whose numbers start with `include` and not with
  `exclude`, each balance in its natural direction (expenses and assets as debits, income and liabilities as credits,
  all positive).

Breakdowns (exits by destination, persons by deficiency, staff by function, absence days by reason) are items too:
the family code, a dot, the member code (`final_exits.death`), so that every value is one number under one code.
Codes are English snake_case; labels are the French words of the official dashboard (shown to users).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Source(StrEnum):
    RECORDED = "recorded"
    DECLARED = "declared"
    ACCOUNTS = "accounts"


class Unit(StrEnum):
    DAYS = "days"
    PERSONS = "persons"
    PLACES = "places"
    FTE = "fte"
    EUROS = "euros"
    COUNT = "count"
    POINTS = "points"


@dataclass(frozen=True)
class DataItem:
    code: str
    label: str
    unit: Unit
    source: Source
    include: tuple[str, ...] = ()  # ACCOUNTS only: account number prefixes summed
    exclude: tuple[str, ...] = ()  # ACCOUNTS only: prefixes left out of the sum


# Breakdown members (code → French label). The deficiency groups are the TDB's columns.
EXIT_DESTINATIONS = {
    "home": "Retour à domicile ou en milieu ordinaire",
    "other_esms": "Autre établissement ou service médico-social",
    "hospital": "Établissement de santé",
    "death": "Décès",
    "other": "Autre destination ou inconnue",
}
DEFICIENCY_GROUPS = {
    "intellectual": "Déficiences intellectuelles",
    "autism": "Autisme et autres TED",
    "psychic": "Troubles du psychisme",
    "language": "Troubles du langage et des apprentissages",
    "hearing": "Déficiences auditives",
    "visual": "Déficiences visuelles",
    "motor": "Déficiences motrices",
    "metabolic": "Déficiences métaboliques, viscérales et nutritionnelles",
    "other": "Autres types de déficiences",
}
STAFF_FUNCTIONS = {
    "management": "Direction / encadrement",
    "administration": "Administration / gestion",
    "general_services": "Services généraux",
    "catering": "Restauration",
    "socio_educational": "Socio-éducatif",
    "paramedical": "Paramédical",
    "psychologist": "Psychologue",
    "ash": "Agents de service hospitalier (ASH)",
    "medical": "Médical",
    "national_education": "Personnel de l'Éducation nationale",
    "other": "Autres fonctions",
}
STAFF_ABSENCE_REASONS = {
    "ordinary_illness": "Maladie ordinaire / de courte durée",
    "medium_illness": "Maladie de moyenne durée",
    "long_illness": "Maladie de longue durée",
    "maternity": "Maternité / paternité",
    "work_accident": "Accident du travail / maladie professionnelle",
    "special_leave": "Congés spéciaux dont sans solde",
}
GIR_POINTS = {1: 1000, 2: 840, 3: 660, 4: 420, 5: 250, 6: 70}  # AGGIR points of each GIR (GMP)

_R, _D, _A = Source.RECORDED, Source.DECLARED, Source.ACCOUNTS

_ITEMS: list[DataItem] = [
    # Capacity and activity
    DataItem("places_installed", "Places installées au 31/12", Unit.PLACES, _R),
    DataItem("places_financed", "Places financées", Unit.PLACES, _D),
    DataItem("opening_days", "Nombre de jours d'ouverture", Unit.DAYS, _D),
    DataItem("days_financed", "Journées financées", Unit.DAYS, _D),
    DataItem("days_realised", "Journées réalisées", Unit.DAYS, _R),
    DataItem("acts_financed", "Actes ou séances financés (CAMSP, CMPP)", Unit.COUNT, _D),
    DataItem("acts_realised", "Actes ou séances réalisés (CAMSP, CMPP)", Unit.COUNT, _D),
    DataItem("absence_days", "Journées d'absence des personnes accompagnées", Unit.DAYS, _R),
    DataItem("absence_days_under_72h", "Journées d'absence de moins de 72 heures", Unit.DAYS, _R),
    DataItem("persons_absent", "Personnes absentes au moins une fois", Unit.PERSONS, _R),
    DataItem("hospital_days", "Journées d'hospitalisation complète (dont HAD)", Unit.DAYS, _R),
    # Persons supported
    DataItem("persons_at_year_end", "Personnes accompagnées dans l'effectif au 31/12", Unit.PERSONS, _R),
    DataItem("admissions", "Entrées dans l'année", Unit.PERSONS, _R),
    DataItem("final_exits", "Sorties définitives dans l'année", Unit.PERSONS, _R),
    DataItem(
        "final_exits_long_stays", "Sorties définitives hors hébergement temporaire et accueil de jour", Unit.PERSONS, _R
    ),
    DataItem(
        "stay_days_final_exits_long_stays",
        "Somme des durées d'accompagnement des sorties définitives hors hébergement temporaire et accueil de jour",
        Unit.DAYS,
        _R,
    ),
    DataItem("persons_derogation", "Personnes en dérogation ou hors autorisation au 31/12", Unit.PERSONS, _R),
    DataItem("persons_assessed_gir", "Personnes évaluées (GIR) au 31/12", Unit.PERSONS, _R),
    DataItem("gmp_validated", "Dernier GMP validé", Unit.POINTS, _D),
    DataItem("pmp_validated", "Dernier PMP validé", Unit.POINTS, _D),
    # Staff
    DataItem("fte_budgeted", "ETP budgétés au 31/12", Unit.FTE, _D),
    DataItem("fte_actual", "ETP réels au 31/12", Unit.FTE, _D),
    DataItem("headcount_previous_year_end", "Effectifs réels au 31/12 de l'année précédente", Unit.PERSONS, _D),
    DataItem("headcount_year_end", "Effectifs réels au 31/12", Unit.PERSONS, _D),
    DataItem("recruitments", "Recrutements dans l'année", Unit.PERSONS, _D),
    DataItem("departures", "Départs dans l'année", Unit.PERSONS, _D),
    DataItem("replacement_contracts", "Nombre de CDD de remplacement", Unit.COUNT, _D),
    # Accounts (ERRD/CA): balances by account number
    DataItem("income_total", "Produits (classe 7)", Unit.EUROS, _A, include=("7",)),
    DataItem("expenses_total", "Charges (classe 6)", Unit.EUROS, _A, include=("6",)),
    DataItem(
        "staff_expenses", "Dépenses de personnel (groupe II)", Unit.EUROS, _A, include=("621", "631", "633", "64")
    ),
    DataItem("acc_68", "Dotations aux amortissements, dépréciations et provisions (c/68)", Unit.EUROS, _A, ("68",)),
    DataItem("acc_78", "Reprises sur amortissements et provisions (c/78)", Unit.EUROS, _A, ("78",)),
    DataItem("acc_675", "Valeur comptable des éléments d'actif cédés (c/675)", Unit.EUROS, _A, ("675",)),
    DataItem("acc_775", "Produits des cessions d'éléments d'actif (c/775)", Unit.EUROS, _A, ("775",)),
    DataItem("acc_777", "Subventions d'investissement virées au résultat (c/777)", Unit.EUROS, _A, ("777",)),
    DataItem("acc_778", "Autres produits exceptionnels (c/778)", Unit.EUROS, _A, ("778",)),
    DataItem("acc_7781", "c/7781", Unit.EUROS, _A, ("7781",)),
    DataItem("acc_709", "Rabais, remises et ristournes accordés (c/709)", Unit.EUROS, _A, ("709",)),
    DataItem("acc_713", "Variation des stocks (c/713)", Unit.EUROS, _A, ("713",)),
    DataItem(
        "external_services",
        "Prestations externes (c/6111, 6112, 621 hors 62111, 6223, 6226)",
        Unit.EUROS,
        _A,
        include=("6111", "6112", "621", "6223", "6226"),
        exclude=("62111",),
    ),
    DataItem(
        "acc_6111_6112",
        "Prestations à caractère médical et médico-social (c/6111, 6112)",
        Unit.EUROS,
        _A,
        include=("6111", "6112"),
    ),
    DataItem("interim_expenses", "Personnel intérimaire (c/6211)", Unit.EUROS, _A, include=("6211",)),
    DataItem("construction_depreciation", "Amortissements des constructions (c/2813)", Unit.EUROS, _A, ("2813",)),
    DataItem("construction_gross", "Immobilisations brutes des constructions (c/213)", Unit.EUROS, _A, ("213",)),
    DataItem(
        "long_term_debt",
        "Emprunts (c/16 hors 165, 1688, 169)",
        Unit.EUROS,
        _A,
        include=("16",),
        exclude=("165", "1688", "169"),
    ),
    DataItem(
        "permanent_capital",
        "Capitaux permanents (c/10 à 16 hors 165, 1688, 169)",
        Unit.EUROS,
        _A,
        include=("10", "11", "12", "13", "14", "15", "16"),
        exclude=("165", "1688", "169"),
    ),
    DataItem(
        "fixed_assets",
        "Actif immobilisé net (classe 2 moins 28, 29, 39, 49, 59)",
        Unit.EUROS,
        _A,
        include=("2",),
        exclude=("28", "29"),
    ),
    DataItem(
        "depreciation_provisions",
        "Amortissements et dépréciations (c/28, 29, 39, 49, 59)",
        Unit.EUROS,
        _A,
        include=("28", "29", "39", "49", "59"),
    ),
]
_ITEMS += [
    DataItem(f"final_exits.{code}", f"Sorties définitives : {label}", Unit.PERSONS, _R)
    for code, label in EXIT_DESTINATIONS.items()
]
_ITEMS += [
    DataItem(f"persons_deficiency.{code}", f"Personnes accompagnées au 31/12 : {label}", Unit.PERSONS, _R)
    for code, label in DEFICIENCY_GROUPS.items()
]
_ITEMS += [DataItem(f"persons_gir.{gir}", f"Personnes en GIR {gir} au 31/12", Unit.PERSONS, _R) for gir in GIR_POINTS]
_ITEMS += [
    DataItem(f"fte_actual.{code}", f"ETP réels : {label}", Unit.FTE, _D) for code, label in STAFF_FUNCTIONS.items()
]
_ITEMS += [
    DataItem(f"staff_absence_days.{code}", f"Jours d'absence du personnel : {label}", Unit.DAYS, _D)
    for code, label in STAFF_ABSENCE_REASONS.items()
]

ITEMS: dict[str, DataItem] = {item.code: item for item in _ITEMS}
assert len(ITEMS) == len(_ITEMS), "a data item code is defined twice"


def items_from(source: Source) -> tuple[DataItem, ...]:
    return tuple(item for item in ITEMS.values() if item.source is source)
