"""Reads of admission requests. Scoping by actor is not decided yet (issue 4 items 5–6): these helpers are for
services and tests only; nothing exposes them through views, the REST API or FHIR."""

from .admission_models import ESMS_ENDED, AdmissionRequest


def open_requests_of(person):
    return AdmissionRequest.objects.filter(person=person).exclude(status__in=ESMS_ENDED).order_by("wish_rank", "pk")
