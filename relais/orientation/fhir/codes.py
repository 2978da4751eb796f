"""Profiles, systems and input names of the SI-SDO exchange (docs/decisions/0017-sdo-fhir-exchange.md).

Status and reason codes go out with the official TRE_R357 / TRE_R358 code system URLs; coming in, the value-set
URLs the ANS examples put in ``system`` are accepted too (aliases loaded with the terminology).
"""

from relais.offer.fhir.codes import FINESS_SYSTEM, ID_NAT_STRUCT_SYSTEM, UNIT_ID_SYSTEM, nos

SDO_TASK_PROFILE = "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/sdo-task"
SDO_BUNDLE_PROFILE = (
    "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/sdo-bundle-resultat-recherche-notification-esms"
)
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
# The decision ids of the SDO inputs idDecision (MDPH) and idNat_Decision (national, SI-SDO).
DECISION_SYSTEM = "urn:relais:mdph-decision"
NATIONAL_DECISION_SYSTEM = "urn:relais:sdo-decision"

# The input slices of the SDOTask profile (discriminated by input.type.text).
ID_NAT_STRUCT = "idNat_Struct"
ESMS_NAME = "nomESMS"
ESMS_STATUS = "statutESMS"
ESMS_REASON = "motifESMS"
ESMS_STATUS_DATE = "dateStatutESMS"
UNIT_ID = "idUnite"
UNIT_NAME = "nomUnite"
UNIT_STATUS = "statutUnite"
UNIT_REASON = "motifUnite"
UNIT_STATUS_DATE = "dateStatutUnite"
RIGHTS = "typeDroitPrestation"
DECISION_ID = "idDecision"
NATIONAL_DECISION_ID = "idNat_Decision"

__all__ = ["FINESS_SYSTEM", "ID_NAT_STRUCT_SYSTEM", "UNIT_ID_SYSTEM"]
