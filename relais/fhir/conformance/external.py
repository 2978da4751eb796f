"""Names the guides' FSH uses for definitions that are not in the snapshot, and the FHIR R4 type names.

A profile outside the snapshot (FR Core datatypes, the ANS directory profiles, HL7 extensions) is known here only by
its canonical URL and its base type, so that `only Reference(as-practitionerrole)` can still check the target's type
and a Bundle slice can still match its entries. Its own constraints are not checked (decision 0048).
"""

from __future__ import annotations

_ANNUAIRE = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/"
_FR_CORE = "https://hl7.fr/ig/fhir/core/StructureDefinition/"
_ROR = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
_HL7 = "http://hl7.org/fhir/StructureDefinition/"

# name used in the FSH: (canonical URL, base type)
EXTERNAL: dict[str, tuple[str, str]] = {
    "as-organization": (_ANNUAIRE + "as-organization", "Organization"),
    "AsOrganizationProfile": (_ANNUAIRE + "as-organization", "Organization"),
    "as-practitionerrole": (_ANNUAIRE + "as-practitionerrole", "PractitionerRole"),
    "as-practitioner": (_ANNUAIRE + "as-practitioner", "Practitioner"),
    "$as-practitioner": (_ANNUAIRE + "as-practitioner", "Practitioner"),
    "as-ext-lieu-dit": (_ANNUAIRE + "as-ext-lieu-dit", "Extension"),
    "FRCoreOrganizationProfile": (_FR_CORE + "fr-core-organization", "Organization"),
    "fr-organization": (_FR_CORE + "fr-core-organization", "Organization"),
    "FRCorePractitionerProfile": (_FR_CORE + "fr-core-practitioner", "Practitioner"),
    "FRCorePractitionerRole": (_FR_CORE + "fr-core-practitioner-role", "PractitionerRole"),
    "FRCoreRelatedPersonProfile": (_FR_CORE + "fr-core-related-person", "RelatedPerson"),
    "$FrRelatedPerson": (_FR_CORE + "fr-core-related-person", "RelatedPerson"),
    "$FrAppointment": (_FR_CORE + "fr-core-appointment", "Appointment"),
    "$FrSchedule": (_FR_CORE + "fr-core-schedule", "Schedule"),
    "$FrSlot": (_FR_CORE + "fr-core-slot", "Slot"),
    "FRCoreAddressProfile": (_FR_CORE + "fr-core-address", "Address"),
    "FRCoreHumanNameProfile": (_FR_CORE + "fr-core-human-name", "HumanName"),
    "FRCoreContactPointProfile": (_FR_CORE + "fr-core-contact-point", "ContactPoint"),
    "fr-core-patient-nationality": (_FR_CORE + "fr-core-patient-nationality", "Extension"),
    "fr-core-patient-birth-list-given-name": (_FR_CORE + "fr-core-patient-birth-list-given-name", "Extension"),
    "RORInternalOrganization": (_ROR + "ror-internal-organization", "Organization"),
    "RORCoreOrganizationUF": (_ROR + "ror-core-organization-uf", "Organization"),
    "RORPractitionerProfile": (_ROR + "ror-practitioner", "Practitioner"),
    "RORPractitionerRoleProfile": (_ROR + "ror-practitionerrole", "PractitionerRole"),
    "organization-period": (_HL7 + "organization-period", "Extension"),
    "geolocation": (_HL7 + "geolocation", "Extension"),
    "$geolocation": (_HL7 + "geolocation", "Extension"),
    "http://hl7.org/fhir/StructureDefinition/patient-birthPlace": (_HL7 + "patient-birthPlace", "Extension"),
    **{
        f"iso21090-ADXP-{part}": (_HL7 + f"iso21090-ADXP-{part}", "Extension")
        for part in (
            "additionalLocator",
            "buildingNumberSuffix",
            "careOf",
            "houseNumber",
            "postBox",
            "streetNameBase",
            "streetNameType",
        )
    },
}

RESOURCE_TYPES = frozenset(
    """Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse AuditEvent Basic
    Binary BodyStructure Bundle CapabilityStatement CarePlan CareTeam ChargeItem Claim ClaimResponse ClinicalImpression
    CodeSystem Communication CommunicationRequest Composition ConceptMap Condition Consent Contract Coverage
    DetectedIssue Device DeviceRequest DiagnosticReport DocumentReference Encounter Endpoint EpisodeOfCare Flag Goal
    Group HealthcareService ImagingStudy Immunization List Location Media Medication MedicationRequest
    MedicationStatement Observation OperationOutcome Organization Parameters Patient Practitioner PractitionerRole
    Procedure Provenance Questionnaire QuestionnaireResponse RelatedPerson RequestGroup Schedule ServiceRequest Slot
    Specimen StructureDefinition Subscription Task ValueSet""".split()
)
DATATYPES = frozenset(
    """Address Age Annotation Attachment CodeableConcept Coding ContactPoint Count Distance Duration Expression
    Extension HumanName Identifier Meta Money Period Quantity Range Ratio Reference SampledData Signature Timing
    base64Binary boolean canonical code date dateTime decimal id instant integer markdown oid positiveInt string time
    unsignedInt uri url uuid Resource""".split()
)
FHIR_TYPES = RESOURCE_TYPES | DATATYPES
