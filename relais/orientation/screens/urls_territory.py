"""Routes of the orientation territory screens."""

from django.urls import path

from relais.orientation.screens import views_territory

urlpatterns = [
    path("", views_territory.territory, name="territory"),
    path("export/<slug:table>.<str:fmt>", views_territory.territory_export, name="territory_export"),
]
