from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import offer, offer_capacity, views

app_name = "api"


def api(view_class, **initkwargs):
    # API callers authenticate per request (token or session); the site-wide
    # login redirect does not apply, DRF answers 401/403 itself.
    return login_not_required(view_class.as_view(**initkwargs))


urlpatterns = [
    path("openapi.json", api(SpectacularAPIView, renderer_classes=[OpenApiJsonRenderer]), name="schema"),
    # The "split" view serves its script as a file, which our Content-Security-Policy allows.
    path("docs/", api(SpectacularSwaggerSplitView, url_name="api:schema"), name="docs"),
    path("me", api(views.MeView), name="me"),
    path("organisations/", api(views.OrganisationList), name="organisations"),
    path("organisations/<int:pk>/", api(views.OrganisationDetail), name="organisation"),
    path("organisations/<int:pk>/members/", api(views.MemberList), name="members"),
    path("territory/communes/", api(views.CommuneList), name="communes"),
    path("offer/search", api(offer.OfferSearch), name="offer_search"),
    path("offer/units/<int:pk>/capacity", api(offer_capacity.UnitCapacityView), name="offer_unit_capacity"),
]
