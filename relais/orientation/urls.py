"""Orientation routes, one module per screen family: persons and their files (orientation side), the ESMS waiting
list, matching proposals and simulation, the territory's view."""

from django.urls import include, path

app_name = "orientation"
urlpatterns = [
    path("personnes/", include("relais.orientation.screens.urls_persons")),
    path("identite/", include("relais.orientation.screens.urls_identity")),  # identity vigilance (decision 0036)
    path("esms/", include("relais.orientation.screens.urls_esms")),
    path("appariement/", include("relais.orientation.screens.urls_matching")),
    path("territoire/", include("relais.orientation.screens.urls_territory")),
]
