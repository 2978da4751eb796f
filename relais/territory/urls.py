from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [path("communes/", views.communes, name="communes")]
