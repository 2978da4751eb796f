"""REST API v1: thin views over the selectors and services of each app."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from relais.accounts import selectors as account_selectors
from relais.accounts.models import Organisation
from relais.audit.services import access_log_record
from relais.territory.selectors import commune_search

from .permissions import request_actor
from .serializers import ActorSerializer, CommuneSerializer, MemberSerializer, OrganisationSerializer


class MeView(APIView):
    @extend_schema(responses=ActorSerializer, summary="Qui suis-je : l'organisation pour laquelle j'agis et mon rôle")
    def get(self, request):
        actor = request_actor(request)
        data = {
            "organisation": actor.organisation,
            "role": actor.role,
            "label": actor.label,
            "is_machine_client": actor.api_client is not None,
        }
        return Response(ActorSerializer(data).data)


class OrganisationList(generics.ListAPIView):
    serializer_class = OrganisationSerializer

    @extend_schema(summary="Organisations pour lesquelles j'agis (la mienne et ses établissements rattachés)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        ids = account_selectors.organisation_ids_visible(actor=request_actor(self.request))
        return (
            Organisation.objects.filter(pk__in=ids).select_related(*account_selectors.WITH_DIRECTORY).order_by("name")
        )


class OrganisationDetail(APIView):
    @extend_schema(responses=OrganisationSerializer, summary="Une organisation (404 hors de mon périmètre)")
    def get(self, request, pk: int):
        organisation = account_selectors.organisation_get(actor=request_actor(request), pk=pk)
        return Response(OrganisationSerializer(organisation).data)


class MemberList(generics.ListAPIView):
    serializer_class = MemberSerializer

    @extend_schema(summary="Membres d'une organisation (données personnelles : accès tracé)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        actor = request_actor(self.request)
        organisation = account_selectors.organisation_get(actor=actor, pk=self.kwargs["pk"])
        access_log_record(
            actor=actor, action="read", obj=organisation, ground="organisation_member", detail="API : liste des membres"
        )
        return account_selectors.membership_list(actor=actor, organisation=organisation)


class CommuneList(generics.ListAPIView):
    """Public reference data: no personal data, open to anyone."""

    serializer_class = CommuneSerializer
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Début du nom ou code INSEE"),
            OpenApiParameter("postal_code", str, description="Code postal"),
            OpenApiParameter("departement", str, description="Code du département"),
        ],
        summary="Rechercher une commune",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return commune_search(
            query=params.get("q", ""),
            postal_code=params.get("postal_code", ""),
            departement=params.get("departement", ""),
        )
