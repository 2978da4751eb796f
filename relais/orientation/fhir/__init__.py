"""The SI-SDO exchange in FHIR: status changes as Tasks (out and in), the notification Bundle in.

See docs/decisions/0017-sdo-fhir-exchange.md.
"""


def register() -> None:
    """Register Bundle and the SI-SDO part of Task (called from OrientationConfig.ready()). Task is shared with the
    shared plan's actions (``relais.fhir.shared``), whose part ``relais.pathway.fhir.register()`` adds after this
    one."""
    from relais.fhir.errors import FhirError
    from relais.fhir.registry import register as fhir_register
    from relais.fhir.shared import register_part

    from .codes import SDO_BUNDLE_PROFILE
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
    )
    register_part("Task", SDO_TASK_PART)  # before the plan part: status changes first in the search union
