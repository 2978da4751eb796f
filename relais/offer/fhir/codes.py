"""Systems, extension URLs and code tables of the ROR-shaped resources (docs/decisions/0011-ror-fhir.md).

NOS tables (https://mos.esante.gouv.fr/NOS/...) and ROR extensions are those of the ROR examples
and profiles; codes we could not find in them are not invented: Relais's own finer codes travel
next to them in `urn:relais:*` systems (a second coding, or a characteristic of its own).
"""

from relais.offer.codes import ROR_CAPACITY_STATUS, CareMode


def nos(table: str) -> str:
    """ "TRE_R13-Commune" -> its FHIR CodeSystem URL on the MOS server."""
    return f"https://mos.esante.gouv.fr/NOS/{table}/FHIR/{table.replace('_', '-')}"


ROR_SD = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"

# --- Profiles (meta.profile) and the metadata every ROR resource carries (decision 0049) ---------
ROR_ORGANIZATION_PROFILE = ROR_SD + "ror-organization"
ROR_HEALTHCARE_SERVICE_PROFILE = ROR_SD + "ror-healthcareservice"
ROR_LOCATION_PROFILE = ROR_SD + "ror-location"
CREATION_DATE_EXTENSION = ROR_SD + "ror-meta-creation-date"  # dateCreation (Metadonnee), 1..1 on all three
# Relais organisations outside the directory (ARS, MDPH, DAC...) are no ROR entries (no FINESS entry, no modification
# date for meta.lastUpdated 1..1): they claim FR Core's Organization, the base the ROR profile itself derives from.
FR_CORE_ORGANIZATION_PROFILE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-organization"

# --- Identifiers ---------------------------------------------------------------------------
# The FINESS slice of FR Core Organization (https) and the systems earlier FR Core and ANS guides used (http). The ROR
# profiles slice identifiers by type (TRE_G07), not by system; the ROR examples send https.
FINESS_SYSTEM = "https://finess.esante.gouv.fr"
FINESS_SYSTEMS = {FINESS_SYSTEM, "http://finess.esante.gouv.fr", "http://finess.sante.gouv.fr"}
# ROROrganization fixes identifier[numSIRET].system to "http://sirene.fr" (and the ANS examples send SIREN there
# too); "https://sirene.fr", which Relais sent before decision 0049, is still read.
SIRENE_SYSTEM = "http://sirene.fr"
SIRENE_SYSTEMS = {SIRENE_SYSTEM, "https://sirene.fr"}
ID_NAT_STRUCT_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"  # idNatSt: "1" + FINESS, "2" + SIREN, "3" + SIRET
IDENTIFIER_TYPE_SYSTEM = nos("TRE_G07-TypeIdentifiantStructure")  # 1 FINESS, 2 SIREN, 3 SIRET, 40 idNatSt
ID_NAT_STRUCT_TYPE = ("40", "Identifiant national de structure")
ID_NAT_STRUCT_PREFIX_FINESS = "1"
ID_NAT_STRUCT_PREFIXES = {"1": "finess", "2": "siren", "3": "siret"}
UNIT_ID_SYSTEM = "urn:relais:unit"  # a unit's primary key (SI-SDO idUnite; HealthcareService only without a ROR id)
ROR_ID_SYSTEM = "urn:relais:ror-id"  # read only: the secondary identifier Relais sent before decision 0049

# --- Organization ---------------------------------------------------------------------------
ORG_TYPE_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-3307"  # FrOrganization organizationType
ORG_TYPE_SYSTEMS = {ORG_TYPE_SYSTEM, "http://interopsante.org/fhir/CodeSystem/fr-v2-3307"}
LEGAL_ENTITY, GEOGRAPHICAL_ENTITY = "LEGAL-ENTITY", "GEOGRAPHICAL-ENTITY"
ORG_TYPE_DISPLAY = {LEGAL_ENTITY: "Entité légale", GEOGRAPHICAL_ENTITY: "Entité géographique"}
ORG_TYPE_ALIASES = {"EJ": LEGAL_ENTITY, "EG": GEOGRAPHICAL_ENTITY, LEGAL_ENTITY: LEGAL_ENTITY}
ORG_TYPE_ALIASES[GEOGRAPHICAL_ENTITY] = GEOGRAPHICAL_ENTITY
CATEGORY_SYSTEM = nos("TRE_R66-CategorieEtablissement")
LEGAL_STATUS_SYSTEM = nos("TRE_R72-FinessStatutJuridique")
INTERNAL_ORG_SYSTEMS = {nos("TRE_R207-TypeOrganisationInterne"), "https://oi.esante.gouv.fr"}
KIND_SYSTEM = "urn:relais:organisation-kind"

# --- Address ---------------------------------------------------------------------------------
COMMUNE_SYSTEM = nos("TRE_R13-Commune")
COMMUNE_SYSTEMS = {COMMUNE_SYSTEM, nos("TRE_R13-CommuneOM"), nos("JDV_J124-Commune")}
INSEE_EXTENSION = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
GEOLOCATION_EXTENSION = "http://hl7.org/fhir/StructureDefinition/geolocation"
PERIOD_EXTENSION = "http://hl7.org/fhir/StructureDefinition/organization-period"
COMMUNE_COG_EXTENSION = ROR_SD + "ror-commune-cog"

# --- HealthcareService -----------------------------------------------------------------------
PATIENT_TYPE_EXTENSION = ROR_SD + "ror-healthcareservice-patient-type"
SENSITIVE_UNIT_EXTENSION = ROR_SD + "ror-healthcareservice-sensitive-unit"
TERRITORIAL_DIVISION_EXTENSION = ROR_SD + "ror-territorial-division"
DIVISION_TYPE_SYSTEM = nos("TRE_R201-TypeDivisionTerritoriale")
DIVISION_COMMUNE = ("3", "Commune")
ACTIVITY_FIELD_SYSTEM = nos("TRE_R227-ChampActivite")
MEDICO_SOCIAL_FIELD = ("04", "Médico-social (MS)")
ACTIVITY_SYSTEM = nos("TRE_R211-ActiviteOperationnelle")
# specialty[operationalActivity] (1..1, JDV_J17) by care mode. 298 is the code the ANS ROR guide's own medico-social
# HealthcareService example uses (SERAFIN-PH 2.3.2.1 "vivre dans un logement"; ConceptMap ASS_A14 maps that
# prestation to 298, 401 and 533). For the other modes the ConceptMap gives several TRE_R211 codes per prestation
# whose labels Relais does not hold (vie d'élève 300/301, vie professionnelle 303-305, activités de jour
# spécialisées 306/307): none is chosen blind, decision 0049 "Gaps". To be checked against the MOS server.
_LIVING = ("298", "Accompagnements pour vivre dans un logement")
ACTIVITIES: dict[str, tuple[str, str]] = {
    CareMode.PERMANENT_ACCOMMODATION: _LIVING,
    CareMode.TEMPORARY_ACCOMMODATION: _LIVING,
    CareMode.INTERNAT: _LIVING,
    CareMode.NIGHT_CARE: _LIVING,
    CareMode.HOME_SERVICES: _LIVING,
}
CARE_MODE_SYSTEM = nos("TRE_R213-ModePriseEnCharge")
RECEPTION_SYSTEM = nos("TRE_R240-TemporaliteAccueil")
TEMPORARY_RECEPTION = ("01", "Temporaire")
PUBLIC_SYSTEM = nos("TRE_R239-PublicPrisEnCharge")
OLDER_PEOPLE_PUBLIC = ("01", "Personnes âgées en perte d'autonomie (PA) et aidants")
RELAIS_CARE_MODE_SYSTEM = "urn:relais:care-mode"
RELAIS_DEFICIENCY_SYSTEM = "urn:relais:deficiency"
RELAIS_GIR_SYSTEM = "urn:relais:gir"
RELAIS_FEATURE_SYSTEM = "urn:relais:unit-feature"
ALZHEIMER_UNIT = "alzheimer_unit"

_ACCOMMODATION = ("46", "Hébergement (accueil jour et nuit)")
_DAY = ("47", "Accueil de jour")
# care mode -> (TRE_R213 code and display, temporary reception?)
CARE_MODES: dict[str, tuple[tuple[str, str], bool]] = {
    CareMode.PERMANENT_ACCOMMODATION: (_ACCOMMODATION, False),
    CareMode.TEMPORARY_ACCOMMODATION: (_ACCOMMODATION, True),
    CareMode.INTERNAT: (_ACCOMMODATION, False),
    CareMode.DAY_CARE: (_DAY, False),
    CareMode.EXTERNAT: (_DAY, False),
    CareMode.SEMI_INTERNAT: (_DAY, False),
    CareMode.SHELTERED_WORK: (_DAY, False),
    CareMode.NIGHT_CARE: (("48", "Accueil de nuit"), False),
    CareMode.HOME_SERVICES: (("49", "Sur les lieux de vie"), False),
}
# Import without a Relais coding: (TRE_R213 code, temporary?) -> care mode.
CARE_MODE_FROM_ROR = {
    ("46", False): CareMode.PERMANENT_ACCOMMODATION,
    ("46", True): CareMode.TEMPORARY_ACCOMMODATION,
    ("47", False): CareMode.DAY_CARE,
    ("47", True): CareMode.DAY_CARE,
    ("48", False): CareMode.NIGHT_CARE,
    ("48", True): CareMode.NIGHT_CARE,
    ("49", False): CareMode.HOME_SERVICES,
    ("49", True): CareMode.HOME_SERVICES,
}
ACCOMMODATION_MODES = {
    CareMode.PERMANENT_ACCOMMODATION,
    CareMode.TEMPORARY_ACCOMMODATION,
    CareMode.INTERNAT,
    CareMode.NIGHT_CARE,
}

# --- Location and its capacity ----------------------------------------------------------------
LOCATION_FUNCTION_SYSTEM = nos("TRE_R343-FonctionLieu")
ACCOMMODATION_FUNCTION = ("001", "Hébergement")
CAPACITY_EXTENSION = ROR_SD + "ror-location-supported-capacity"
AUTHORISED_CAPACITY_EXTENSION = "urn:relais:extension:authorised-capacity"  # not a ROR status
CAPACITY_STATUS_SYSTEM = nos("TRE_R330-TypeStatutCapacite")
CAPACITY_TYPE_SYSTEM = nos("TRE_R329-NatureCapacite")
BED, PLACE = ("01", "Lit"), ("02", "Place")
TEMPORALITY_SYSTEM = nos("TRE_R331-TemporaliteCapacite")
CURRENT = ("01", "Courant")
CAPACITY_SOURCE_SYSTEM = nos("TRE_R335-TypeSourceCapacite")
MANUAL_ENTRY = ("01", "Saisie manuelle")
TEMPORARY_ASSIGNMENT_SYSTEM = nos("TRE_R337-AffectationTemporaire")
NO_ASSIGNMENT = ("01", "Aucune")
CAPACITY_STATUS_DISPLAY = {"01": "Installé", "02": "Disponible", "03": "Occupé", "04": "Réservé", "05": "Fermé"}
# Unit field (a CapacityStatus value) <-> ROR status code, in export order.
CAPACITY_FIELDS: dict[str, str] = {str(status): code for status, code in ROR_CAPACITY_STATUS.items()}
CAPACITY_FIELD_BY_CODE = {code: field for field, code in CAPACITY_FIELDS.items()}


def structure_number(system: str | None, value: str) -> tuple[str, str] | None:
    """The structure number an identifier with a system carries, as ("finess" | "siren" | "siret", number): a FINESS
    system, a SIRENE one (by length), or the idNatSt (``urn:oid:1.2.250.1.71.4.2.2``, "1" + FINESS, "2" + SIREN,
    "3" + SIRET, as ROROrganization and FR Core send it). Every reader of an organisation identifier (the Organization
    search, hence the transaction matcher; the references Relais reads back) goes through here. None otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    if system in FINESS_SYSTEMS:
        return "finess", value
    if system in SIRENE_SYSTEMS:
        return ("siren" if len(value) == 9 else "siret"), value
    if system == ID_NAT_STRUCT_SYSTEM and value[:1] in ID_NAT_STRUCT_PREFIXES and len(value) > 1:
        return ID_NAT_STRUCT_PREFIXES[value[0]], value[1:]
    return None


def coding(system: str, code_display: tuple[str, str]) -> dict[str, str]:
    code, display = code_display
    return {"system": system, "code": code, "display": display}


def concept(system: str, code_display: tuple[str, str]) -> dict:
    return {"coding": [coding(system, code_display)]}
