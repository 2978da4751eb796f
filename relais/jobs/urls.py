from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.jobs_page, name="page"),
    path("echecs/<int:pk>/relancer/", views.failure_retry, name="failure_retry"),
]
