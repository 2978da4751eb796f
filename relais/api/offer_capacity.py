"""REST: an ESMS record system reads and pushes a unit's capacity figures.

`GET|PUT|PATCH /api/v1/offer/units/<id>/capacity`. The caller (usually a machine client with a
bearer token of the site's organisation or of its managing body) goes through the same service and
rules as the capacity screens (docs/decisions/0010-capacity-updates.md). A unit the caller may not
update is a 404, like a missing one.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from relais.offer import services
from relais.offer.capacity_selectors import capacity_age_label, capacity_is_stale, capacity_unit_get
from relais.offer.models import Unit

from .permissions import request_actor

FIGURES = services.CAPACITY_FIGURES


class UnitCapacitySerializer(serializers.ModelSerializer):
    site_finess = serializers.CharField(source="site.finess", read_only=True)
    site_name = serializers.CharField(source="site.name", read_only=True)
    capacity_update_days = serializers.IntegerField(source="site.capacity_update_days", read_only=True)
    stale = serializers.SerializerMethodField(help_text="Chiffres plus anciens que la fréquence de mise à jour.")
    age = serializers.SerializerMethodField(help_text="Âge des chiffres, en mots (« mis à jour il y a 3 jours »).")

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "site_finess",
            "site_name",
            "care_mode",
            "authorised",
            *FIGURES,
            "capacity_updated_at",
            "capacity_updated_by",
            "capacity_update_days",
            "stale",
            "age",
        ]
        read_only_fields = fields

    def get_stale(self, unit) -> bool:
        return capacity_is_stale(unit)

    def get_age(self, unit) -> str:
        return capacity_age_label(unit.capacity_updated_at)


class CapacityWriteSerializer(serializers.Serializer):
    """Figures to set. PUT needs them all; PATCH those that change (an empty PATCH confirms them unchanged)."""

    installed = serializers.IntegerField(min_value=0, help_text="Places installées.")
    available = serializers.IntegerField(min_value=0, help_text="Places disponibles (≤ installées).")
    occupied = serializers.IntegerField(min_value=0, help_text="Places occupées.")
    reserved = serializers.IntegerField(min_value=0, help_text="Places réservées.")
    closed = serializers.IntegerField(min_value=0, help_text="Places fermées temporairement (≤ installées).")


NOT_FOUND = OpenApiResponse(description="Unité inconnue, ou que vous ne pouvez pas mettre à jour.")
INVALID = OpenApiResponse(description="Chiffres invalides : erreurs par champ, en français.")


class UnitCapacityView(APIView):
    @extend_schema(
        summary="Capacité d'une unité (pour la tenir à jour)",
        responses={200: UnitCapacitySerializer, 404: NOT_FOUND},
        tags=["offre"],
    )
    def get(self, request, pk: int):
        unit = capacity_unit_get(actor=request_actor(request), pk=pk)
        return Response(UnitCapacitySerializer(unit).data)

    @extend_schema(
        summary="Remplacer les chiffres de capacité d'une unité (tous les chiffres)",
        request=CapacityWriteSerializer,
        responses={200: UnitCapacitySerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["offre"],
    )
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        summary="Mettre à jour certains chiffres de capacité (un corps vide confirme les chiffres inchangés)",
        request=CapacityWriteSerializer(partial=True),
        responses={200: UnitCapacitySerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["offre"],
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk: int, *, partial: bool):
        actor = request_actor(request)
        unit = capacity_unit_get(actor=actor, pk=pk)
        write = CapacityWriteSerializer(data=request.data, partial=partial)
        write.is_valid(raise_exception=True)
        try:
            unit = services.unit_capacity_update(actor=actor, unit=unit, **write.validated_data)
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict"):
                raise ValidationError({"non_field_errors": error.messages}) from error
            detail = {("non_field_errors" if k == "__all__" else k): v for k, v in error.message_dict.items()}
            raise ValidationError(detail) from error
        return Response(UnitCapacitySerializer(unit).data)
