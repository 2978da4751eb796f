"""REST: the public offer search, `GET /api/v1/offer/search` (docs/decisions/0009-offer-search.md).

The same criteria and the same code as the page /offre/ (search_criteria_parse, offer_search). Public:
no authentication, rate-limited per client address (settings.RELAIS_PUBLIC_RATE). A bad parameter is a
400 whose body names it: `{"age": ["Âge : nombre entier attendu, pas « x »."]}`.
"""

import re

from django.conf import settings
from django_ratelimit.core import is_ratelimited
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from relais.offer.codes import CareMode, Deficiency, Domain
from relais.offer.models import Site, Unit
from relais.offer.search_criteria import (
    DEFAULT_LIMIT,
    DEFAULT_RADIUS_KM,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_RADIUS_KM,
    SearchError,
    search_criteria_parse,
)
from relais.offer.selectors import offer_search

RATE_GROUP = "offer-public-api"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class PublicRateThrottle(BaseThrottle):
    """Per client address (REMOTE_ADDR, as the login and the public pages: never a spoofable header)."""

    def allow_request(self, request, view) -> bool:
        self.rate = settings.RELAIS_PUBLIC_RATE
        if not self.rate:
            return True
        return not is_ratelimited(request._request, group=RATE_GROUP, key="ip", rate=self.rate, increment=True)

    def wait(self) -> float:
        match = re.match(r"\s*\d+\s*/\s*(\d*)\s*([smhd])", self.rate or "")
        return int(match.group(1) or 1) * _PERIODS[match.group(2)] if match else 60


class OfferUnitSerializer(serializers.ModelSerializer):
    care_mode_label = serializers.CharField(source="get_care_mode_display")
    capacity_age = serializers.CharField(help_text="Âge des chiffres, en mots (« mis à jour il y a 3 jours »).")
    stale = serializers.BooleanField(source="capacity_stale", help_text="Plus ancien que la fréquence de mise à jour.")

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "care_mode",
            "care_mode_label",
            "age_min",
            "age_max",
            "gir_min",
            "gir_max",
            "alzheimer_unit",
            "deficiencies",
            "installed",
            "available",
            "daily_price",
            "capacity_updated_at",
            "capacity_age",
            "stale",
        ]


class OfferSiteSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category_id", allow_null=True)
    category_label = serializers.CharField(source="category.label", default=None, allow_null=True)
    domain = serializers.CharField(source="category.domain", default=None, allow_null=True)
    commune = serializers.CharField(source="commune_id", allow_null=True)

    class Meta:
        model = Site
        fields = [
            "finess",
            "name",
            "category",
            "category_label",
            "domain",
            "address_line",
            "postal_code",
            "city",
            "commune",
            "latitude",
            "longitude",
            "phone",
            "capacity_update_days",
        ]


class OfferResultSerializer(serializers.Serializer):
    site = OfferSiteSerializer()
    distance_km = serializers.FloatField(allow_null=True, help_text="Distance à vol d'oiseau, arrondie à 0,1 km.")
    free_places = serializers.IntegerField(
        help_text="Places libres des unités qui répondent aux critères et dont les chiffres sont à jour (pas plus "
        "anciens que la fréquence de mise à jour de l'établissement)."
    )
    free_places_to_confirm = serializers.IntegerField(
        help_text="Places annoncées par des chiffres plus anciens que la fréquence de mise à jour : à confirmer "
        "auprès de l'établissement, jamais comptées dans `free_places`."
    )
    capacity_updated_at = serializers.DateTimeField(
        allow_null=True, help_text="La plus ancienne mise à jour des unités retenues (null : jamais mise à jour)."
    )
    capacity_age = serializers.CharField()
    stale = serializers.BooleanField(help_text="Au moins un chiffre plus ancien que la fréquence de mise à jour.")
    units = OfferUnitSerializer(many=True, help_text="Les unités ouvertes qui répondent aux critères.")


class OriginSerializer(serializers.Serializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    label = serializers.CharField()


class OfferSearchSerializer(serializers.Serializer):
    origin = OriginSerializer(allow_null=True)
    radius_km = serializers.FloatField(allow_null=True)
    rotation = serializers.IntegerField(help_text="Graine de l'ordre des ex aequo (par défaut : le jour).")
    count = serializers.IntegerField(help_text="Nombre de résultats de cette page.")
    offset = serializers.IntegerField(help_text="Rang (à partir de 0) du premier résultat de cette page.")
    total = serializers.IntegerField(help_text="Nombre de résultats de toutes les pages.")
    has_more = serializers.BooleanField(help_text="D'autres résultats existent au-delà de `offset + limit`.")
    results = OfferResultSerializer(many=True)


def _list(name: str, description: str, values=None) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        str,
        many=True,
        explode=True,
        enum=values,
        description=description + " Répétable, ou liste séparée par des virgules.",
    )


PARAMETERS = [
    _list("domain", "Domaine de la catégorie.", Domain.values),
    _list("category", "Code de catégorie FINESS (les anciens codes suivent leurs remplaçants, ex. 437 → 448)."),
    _list("care_mode", "Mode de prise en charge d'une unité.", CareMode.values),
    OpenApiParameter("age", int, description="Âge de la personne (unités dont la tranche d'âge le contient)."),
    _list("deficiency", "Déficience accompagnée (handicap).", Deficiency.values),
    OpenApiParameter("gir", int, enum=list(range(1, 7)), description="GIR de la personne âgée."),
    OpenApiParameter("alzheimer", bool, description="Seulement les unités Alzheimer."),
    OpenApiParameter(
        "free_only",
        bool,
        description="Seulement les unités avec des places libres (> 0) selon des chiffres à jour (pas plus anciens "
        "que la fréquence de mise à jour de l'établissement).",
    ),
    OpenApiParameter("commune", str, description="Origine : code INSEE d'une commune (ex. 35238, 2A004)."),
    OpenApiParameter("postal_code", str, description="Origine : code postal (centre de ses communes)."),
    OpenApiParameter("lat", OpenApiTypes.DOUBLE, description="Origine : latitude WGS84 (avec lon)."),
    OpenApiParameter("lon", OpenApiTypes.DOUBLE, description="Origine : longitude WGS84 (avec lat)."),
    OpenApiParameter(
        "radius_km",
        OpenApiTypes.DOUBLE,
        description=f"Rayon en km (défaut {DEFAULT_RADIUS_KM:g}, max {MAX_RADIUS_KM:g}).",
    ),
    OpenApiParameter("limit", int, description=f"Nombre de résultats (défaut {DEFAULT_LIMIT}, max {MAX_LIMIT})."),
    OpenApiParameter("offset", int, description=f"Pagination : rang du premier résultat (défaut 0, max {MAX_OFFSET})."),
    OpenApiParameter("rotation", int, description="Graine de l'ordre des ex aequo (défaut : change chaque jour)."),
]


class OfferSearch(APIView):
    """Public directory data: no authentication, rate-limited."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        parameters=PARAMETERS,
        responses={
            200: OfferSearchSerializer,
            400: OpenApiResponse(description="Paramètre invalide : le corps nomme chaque paramètre en cause."),
            429: OpenApiResponse(description="Trop de requêtes depuis cette adresse."),
        },
        summary="Rechercher dans l'offre : par distance, public, mode d'accueil, places libres",
        description=(
            "Établissements et unités ouverts qui répondent aux critères, les plus proches d'abord (sans origine : "
            "sans distance). À égale distance (arrondie à 0,1 km), l'ordre suit une rotation équitable qui change "
            "chaque jour. Chaque résultat donne les places libres et la date de leur mise à jour ; `stale` signale "
            "un chiffre plus ancien que la fréquence de mise à jour de l'établissement, dont les places ne sont pas "
            "comptées libres (`free_places_to_confirm`). Pagination par `offset` et `limit` (`total` : tous les "
            "résultats). Les établissements sans "
            "coordonnées ne sortent que dans les recherches sans origine."
        ),
        tags=["offre"],
    )
    def get(self, request):
        try:
            results = offer_search(search_criteria_parse(request.query_params), count=True)
        except SearchError as error:
            raise ValidationError({name: [message] for name, message in error.errors.items()}) from error
        data = {
            "origin": results.origin,
            "radius_km": results.criteria.radius_km if results.origin else None,
            "rotation": results.rotation,
            "count": len(results.results),
            "offset": results.criteria.offset,
            "total": results.total,
            "has_more": results.has_more,
            "results": results.results,
        }
        return Response(OfferSearchSerializer(data).data)
