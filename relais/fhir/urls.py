"""FHIR R4 routes under /fhir/. The last one answers an OperationOutcome for any other path."""

from django.urls import re_path

from . import transaction, views

app_name = "fhir"
urlpatterns = [
    re_path(r"^$", transaction.transaction_endpoint, name="transaction"),
    re_path(r"^metadata/?$", views.metadata, name="metadata"),
    re_path(r"^(?P<type_name>[^/]+)/?$", views.type_endpoint, name="type"),
    re_path(r"^(?P<type_name>[^/]+)/(?P<resource_id>[^/]+)/?$", views.instance_endpoint, name="instance"),
    re_path(r"^(?P<path>.*)$", views.unknown_path, name="unknown"),
]
