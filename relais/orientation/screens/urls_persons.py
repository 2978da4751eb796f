"""Routes of the orientation-side screens (under /orientation/personnes/): the persons followed, their page, their
admission file, their decisions and the sending of requests to several ESMS."""

from django.urls import path

from relais.orientation.screens import views_persons as views
from relais.orientation.screens import views_send, views_worklist

urlpatterns = [
    path("", views_worklist.persons, name="persons"),
    path("sans-solution.<str:fmt>", views_worklist.persons_export, name="persons_export"),
    path("relances/", views_worklist.persons_remind, name="persons_remind"),
    path("nouvelle/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/dossier/", views.file_edit, name="file_edit"),
    path("<int:pk>/dossier/medical/", views.file_medical, name="file_medical"),
    path("<int:pk>/decision/", views.decision_create, name="decision_create"),
    path("<int:pk>/demandes/", views_send.requests_send, name="requests_send"),
    path("<int:pk>/demandes/<int:request_pk>/statut/", views.request_transition, name="request_transition"),
]
