from rest_framework import serializers

from relais.accounts.models import Membership, Organisation
from relais.territory.models import Commune


class OrganisationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    # From the directory entry for an ESMS or a managing body (decision 0029), else from the organisation.
    finess = serializers.CharField(source="finess_number", read_only=True, allow_null=True)
    parent = serializers.IntegerField(source="attached_to.pk", read_only=True, allow_null=True)

    class Meta:
        model = Organisation
        fields = ["id", "kind", "kind_label", "name", "finess", "siret", "parent", "region", "departement", "is_active"]


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    professional_category = serializers.CharField(source="user.professional_category")

    class Meta:
        model = Membership
        fields = ["id", "email", "first_name", "last_name", "professional_category", "role", "is_active"]


class ActorSerializer(serializers.Serializer):
    organisation = OrganisationSerializer()
    role = serializers.CharField()
    label = serializers.CharField()
    is_machine_client = serializers.BooleanField()


class CommuneSerializer(serializers.ModelSerializer):
    postal_codes = serializers.SerializerMethodField()

    class Meta:
        model = Commune
        fields = ["insee_code", "name", "departement", "population", "latitude", "longitude", "postal_codes"]

    def get_postal_codes(self, commune) -> list[str]:
        return [p.code for p in commune.postal_codes.all()]
