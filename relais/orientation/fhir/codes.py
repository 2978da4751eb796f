"""Profiles, systems and input names of the SI-SDO exchange (docs/decisions/0017-sdo-fhir-exchange.md).

Status and reason codes go out with the official TRE_R357 / TRE_R358 code system URLs; coming in, the value-set
URLs the ANS examples put in ``system`` are accepted too (aliases loaded with the terminology).
"""

from relais.offer.fhir.codes import FINESS_SYSTEM, ID_NAT_STRUCT_SYSTEM, UNIT_ID_SYSTEM, nos

SDO_IG = "https://interop.esante.gouv.fr/ig/fhir/sdo/"
SDO_TASK_PROFILE = SDO_IG + "StructureDefinition/sdo-task"
ESMS_TASK_PROFILE = SDO_IG + "StructureDefinition/esms-task"  # the same constraints, written by an ESMS
TASK_PROFILES = (SDO_TASK_PROFILE, ESMS_TASK_PROFILE)
SDO_BUNDLE_PROFILE = SDO_IG + "StructureDefinition/sdo-bundle-resultat-recherche-notification-esms"
ESMS_BUNDLE_PROFILE = SDO_IG + "StructureDefinition/esms-bundle-resultat-recherche-notification-esms"
SDO_DOCUMENT_PROFILE = SDO_IG + "StructureDefinition/sdo-document-reference"
ESMS_DOCUMENT_PROFILE = SDO_IG + "StructureDefinition/esms-document-reference"
ESMS_CONSENT_PROFILE = SDO_IG + "StructureDefinition/esms-consent"
# The code system of Task.input.type (SDOTaskInputCS.fsh): the slices are discriminated by this pattern.
INPUT_SYSTEM = SDO_IG + "CodeSystem/input-task-sdo-codesystem"
# JDV_J264 (modePriseCharge of a unit status, invariant regle-ModePriseEnCharge: 46, 47 or 48 only), coded in TRE_R213.
CARE_MODE_SYSTEM = nos("TRE_R213-ModePriseEnCharge")
SDO_CARE_MODES = frozenset({"46", "47", "48"})
STATUS_SYSTEM = nos("TRE_R357-StatutPersonnePriseCharge")
REASON_SYSTEM = nos("TRE_R358-MotifStatutPersonnePriseCharge")

# Relais's own identifiers.
TRANSITION_SYSTEM = "urn:relais:status-transition"  # a StatusTransition's pk: the id of the Task out
REQUEST_SYSTEM = "urn:relais:admission-request"  # an AdmissionRequest's pk
# Patient identifiers: INS (NIR, NIA) as in FR Core; anything else is an external reference.
INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
INS_SYSTEMS = {
    INS_NIR_SYSTEM,
    "urn:oid:1.2.250.1.213.1.4.9",
    "urn:oid:1.2.250.1.213.1.4.10",
    "urn:oid:1.2.250.1.213.1.4.11",
}
# The decision ids (inputs idDecision and idNat_Decision, DocumentReference.identifier, Consent.provision.data):
# the guide gives them no system and tells them apart by Identifier.use, as its examples do (decision 0050).
DECISION_USE = "usual"  # idDecision: the MDPH's own id of the decision
NATIONAL_DECISION_USE = "official"  # idNat_Decision: the SI-SDO (ViaTrajectoire) id
# A decision entered in Relais and never notified by the SI-SDO has no national id: Relais's own stands in (0050).
RELAIS_DECISION_SYSTEM = "urn:relais:orientation-decision"

# The input slices of the SDOTask profile (discriminated by input.type.text).
ID_NAT_STRUCT = "idNat_Struct"
ESMS_NAME = "nomESMS"
ESMS_STATUS = "statutESMS"
ESMS_REASON = "motifESMS"
ESMS_STATUS_DATE = "dateStatutESMS"
UNIT_ID = "idUnite"
UNIT_NAME = "nomUnite"
UNIT_CATEGORY = "categorieOrganisation"  # JDV_J34 (TRE_R244): relais/offer/organisation_category.py, decision 0050
CARE_MODE = "modePriseCharge"
UNIT_STATUS = "statutUnite"
UNIT_REASON = "motifUnite"
UNIT_STATUS_DATE = "dateStatutUnite"
RIGHTS = "typeDroitPrestation"
DECISION_ID = "idDecision"
NATIONAL_DECISION_ID = "idNat_Decision"

__all__ = ["FINESS_SYSTEM", "ID_NAT_STRUCT_SYSTEM", "UNIT_ID_SYSTEM"]
