"""The SI-SDO exchange in FHIR: status changes as Tasks (out and in), the notification Bundle in.

See docs/decisions/0017-sdo-fhir-exchange.md.
"""


def register() -> None:
    """Register Bundle, DocumentReference and the SI-SDO parts of Task and Consent (called from
    OrientationConfig.ready()). Task is shared with the shared plan's actions, Consent with the care circle's consents
    (``relais.fhir.shared``): ``relais.pathway.fhir.register()`` adds those parts after these."""
    from relais.fhir.errors import FhirError
    from relais.fhir.registry import register as fhir_register
    from relais.fhir.shared import register_part

    from . import document_reference
    from .codes import ESMS_BUNDLE_PROFILE, ESMS_DOCUMENT_PROFILE, SDO_BUNDLE_PROFILE, SDO_DOCUMENT_PROFILE
    from .consent import ESMS_CONSENT_PART
    from .notification import notification_create
    from .sdo_task_part import SDO_TASK_PART

    def no_search(actor, params, offset, count):
        raise FhirError(405, "not-supported", "Bundle n'accepte que la création (notification SI-SDO).")

    fhir_register(
        "Bundle",
        read=lambda actor, resource_id: None,
        search=no_search,
        create=notification_create,
        documentation="Création seulement : notification SI-SDO (SDOBundleResultatRechercheNotificationESMS) "
        "qui crée la personne, la décision d'orientation et une demande par ESMS.",
        profile=SDO_BUNDLE_PROFILE,
        supported_profiles=(SDO_BUNDLE_PROFILE, ESMS_BUNDLE_PROFILE),
    )
    register_part("Task", SDO_TASK_PART)  # before the plan part: status changes first in the search union
    fhir_register(
        "DocumentReference",
        read=document_reference.read_document,
        search=document_reference.search_documents,
        create=document_reference.create_document,
        search_params=document_reference.SEARCH_PARAMS,
        documentation="Documents d'une décision d'orientation (SDODocumentReference, ESMSDocumentReference) : "
        "documents reçus (doc-<n>), la décision avec le volet administratif du dossier (decision-<n>), le volet "
        "médical (evaluation-<n>, pour qui peut le lire) ; création par l'orientation.",
        profile=SDO_DOCUMENT_PROFILE,
        supported_profiles=(SDO_DOCUMENT_PROFILE, ESMS_DOCUMENT_PROFILE),
    )
    # Consent is shared with the care circle's consents (relais.pathway.fhir), registered after this part.
    register_part("Consent", ESMS_CONSENT_PART)
