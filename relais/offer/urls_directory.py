"""The public directory, under /offre/: search by distance and one page per site (no login needed)."""

from django.urls import path

from . import views_directory as views

urlpatterns = [
    path("", views.search, name="search"),
    path("etablissement/<str:finess>/", views.site_detail, name="site"),
]
