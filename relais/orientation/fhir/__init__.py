"""The SI-SDO exchange in FHIR: status changes as Tasks (out and in), the notification Bundle in.

See docs/decisions/0017-sdo-fhir-exchange.md.
"""


def register() -> None:
    """Register Task and Bundle (called from OrientationConfig.ready())."""
    from relais.fhir.errors import FhirError
    from relais.fhir.registry import register as fhir_register

    from .codes import SDO_BUNDLE_PROFILE, SDO_TASK_PROFILE
    from .notification import notification_create
    from .task_in import task_receive
    from .task_out import SEARCH_PARAMS, read_task, search_tasks

    fhir_register(
        "Task",
        read=read_task,
        search=search_tasks,
        create=task_receive,
        search_params=SEARCH_PARAMS,
        documentation="Changements de statut SI-SDO des demandes d'admission (forme SDOTask, un par changement ; "
        "id = n° du changement). Création : un logiciel d'ESMS rapporte un nouveau statut.",
        profile=SDO_TASK_PROFILE,
    )

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
    )
