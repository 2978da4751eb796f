"""Routes of the messaging app (mounted at /messagerie/)."""

from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("dossiers/<int:pk>/", views.threads, name="threads"),
    path("dossiers/<int:pk>/nouveau/", views.thread_new, name="thread_new"),
    path("fils/<int:pk>/", views.thread_detail, name="thread"),
    path("fils/<int:pk>/repondre/", views.reply, name="reply"),
    path("pieces-jointes/<int:pk>/", views.attachment_download, name="attachment"),
]
