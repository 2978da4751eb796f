"""Routes of the evaluations app (mounted at /evaluations/)."""

from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("personnes/<int:person_pk>/", views.person_evaluations, name="person"),
    path("personnes/<int:person_pk>/grilles/<slug:key>/", views.evaluation_fill, name="fill"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
]
