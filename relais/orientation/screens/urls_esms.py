"""Routes of the ESMS screens, under /orientation/esms/ (login required; out-of-scope requests are 404s)."""

from django.urls import path

from relais.orientation.screens import views_admissions
from relais.orientation.screens import views_esms as views

urlpatterns = [
    path("liste-attente/", views.waiting_list_view, name="waiting_list"),
    path("liste-attente/export/", views.waiting_list_export_view, name="waiting_list_export"),
    path("liste-attente/commission/", views_admissions.committee_list_view, name="committee_list"),
    path("demandes/<int:pk>/", views.esms_request_view, name="esms_request"),
    path("demandes/<int:pk>/statut/", views.esms_request_transition_view, name="esms_request_transition"),
    path("demandes/<int:pk>/dates/", views_admissions.esms_request_dates_view, name="esms_request_dates"),
    path("demandes/<int:pk>/admettre/", views.esms_request_admit_view, name="esms_request_admit"),
    path("documents/<int:pk>/", views_admissions.decision_document_view, name="decision_document"),
]
