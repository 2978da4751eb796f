"""Routes of the orientation matching screens: the ESMS's proposals and the territory's simulation."""

from django.urls import path

from relais.orientation.screens import views_matching as views

urlpatterns = [
    path("propositions/", views.proposals, name="proposals"),
    path("propositions/calculer/", views.compute, name="proposals_compute"),
    path("propositions/<int:pk>/accepter/", views.accept, name="proposal_accept"),
    path("propositions/<int:pk>/refuser/", views.refuse, name="proposal_refuse"),
    path("simulation/", views.simulation, name="simulation"),
]
