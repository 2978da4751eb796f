"""Routes of the agenda app (mounted at /agenda/)."""

from django.urls import path

from . import views
from .meetings import views as meetings

app_name = "agenda"
urlpatterns = [
    path("", views.my_agenda, name="my_agenda"),
    path("creer/", views.agenda_create_view, name="agenda_create"),
    path("ouvertures/", views.opening_add, name="opening_add"),
    path("creneaux/", views.slot_add, name="slot_add"),
    path("mon-agenda.ics", views.ics_export, name="ics"),
    path("rendez-vous/", views.appointments, name="appointments"),
    path("rendez-vous/<int:pk>/", views.appointment_detail, name="appointment"),
    path("rendez-vous/<int:pk>/annuler/", views.appointment_cancel_view, name="appointment_cancel"),
    path("rendez-vous/<int:pk>/deplacer/", views.appointment_reschedule_view, name="appointment_reschedule"),
    path("personnes/<int:person_pk>/reserver/", views.book, name="book"),
    # Concertation meetings (decision 0046)
    path("personnes/<int:person_pk>/concertations/", meetings.person_meetings, name="person_meetings"),
    path("concertations/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("concertations/<int:pk>/reponse/", meetings.meeting_answer_view, name="meeting_answer"),
    path("concertations/<int:pk>/conclusions/", meetings.meeting_conclude_view, name="meeting_conclude"),
    path("concertations/<int:pk>/reunion.ics", meetings.meeting_ics, name="meeting_ics"),
]
