"""Reads of admission requests for services. What a user may see is scoped by ``policy.requests_visible_to``."""

from relais.orientation.requests.models import ESMS_ENDED, AdmissionRequest


def open_requests_of(person):
    return AdmissionRequest.objects.filter(person=person).exclude(status__in=ESMS_ENDED).order_by("wish_rank", "pk")
