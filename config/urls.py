"""Top-level routes: one include per app, nothing else."""

from django.urls import include, path

urlpatterns = [
    path("", include("relais.web.urls")),
    path("compte/", include("relais.accounts.urls")),
    path("territoire/", include("relais.territory.urls")),
    path("offre/", include("relais.offer.urls")),
    path("journal/", include("relais.audit.urls")),
    path("orientation/", include("relais.orientation.urls")),
    path("notifications/", include("relais.notifications.urls")),
    path("parcours/", include("relais.pathway.urls")),
    path("messagerie/", include("relais.messaging.urls")),
    path("agenda/", include("relais.agenda.urls")),
    path("evaluations/", include("relais.evaluations.urls")),
    path("exploitation/taches/", include("relais.jobs.urls")),
    path("api/v1/", include("relais.api.urls")),
    path("fhir/", include("relais.fhir.urls")),
]

handler400 = "relais.web.views.bad_request"
handler403 = "relais.web.views.permission_denied"
handler404 = "relais.web.views.page_not_found"
handler500 = "relais.web.views.server_error"
