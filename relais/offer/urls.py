"""Offer routes: the public directory and search (urls_directory) and capacity management (urls_capacity)."""

from django.urls import include, path

app_name = "offer"
urlpatterns = [
    path("", include("relais.offer.urls_directory")),
    path("capacite/", include("relais.offer.urls_capacity")),
]
