"""Capacity management, under /offre/capacite/ (login required, 404 outside the actor's sites)."""

from django.urls import path

from . import views_capacity as views

urlpatterns = [
    path("", views.capacity_list, name="capacity"),
    path("unite/<int:pk>/", views.capacity_unit, name="capacity_unit"),
    path("unite/<int:pk>/pas/", views.capacity_step, name="capacity_step"),
    path("unite/<int:pk>/confirmer/", views.capacity_confirm, name="capacity_confirm"),
    path("unite/<int:pk>/modifier/", views.capacity_edit, name="capacity_edit"),
]
