"""Routes of the identity-vigilance screens (under /orientation/identite/): the duplicates work list, comparing and
merging two records, declaring them different persons, correcting an identity and its history."""

from django.urls import path

from relais.orientation.screens import views_identity as views

urlpatterns = [
    path("doublons/", views.duplicates, name="identity_duplicates"),
    path("doublons/<int:pk>/<int:other_pk>/", views.compare, name="identity_compare"),
    path("doublons/<int:pk>/<int:other_pk>/ecarter/", views.dismiss, name="identity_dismiss"),
    path("personne/<int:pk>/corriger/", views.identity_correct, name="identity_correct"),
    path("personne/<int:pk>/historique/", views.identity_history_view, name="identity_history"),
]
