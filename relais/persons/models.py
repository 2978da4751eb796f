"""Persons (the people Relais helps), their legal representatives, and the log of merges.

Synthetic data only in every environment we run. The identity traits follow the INS
(matricule, names, first names, birth date, sex, birth place) and the identity status of
the RNIV. Invariants are mirrored by database constraints; the ones that span rows
(a merged person points to a non-merged one) are enforced in `services.person_merge`.
"""

from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .ins import INS_PATTERN, STATUSES_WITH_INS, IdentityStatus, Sex

BIRTH_PLACE_PATTERN = r"^([0-9]{2}|2A|2B)[0-9]{3}$"  # INSEE commune (COG) or 99xxx country code
# Nobody alive was born before 1900: an earlier year is a typo (0202, 1024), like the record's dates (decision 0034).
BIRTH_DATE_FLOOR = date(1900, 1, 1)


def birth_date_error(value: date | None) -> str | None:
    """Why a birth date cannot be right (in the future of the local day, or before 1900), or None."""
    if not isinstance(value, date):
        return None
    today = timezone.localdate()
    if value > today:
        return (
            f"La date de naissance ({value:%d/%m/%Y}) ne peut pas être dans le futur : {today:%d/%m/%Y} au plus tard."
        )
    if value < BIRTH_DATE_FLOOR:
        return f"La date de naissance ({value:%d/%m/%Y}) est antérieure à 1900 : vérifiez l'année."
    return None


class Person(models.Model):
    family_name = models.CharField("nom de naissance", max_length=100)
    used_name = models.CharField("nom d'usage", max_length=100, blank=True)
    first_names = models.CharField("prénoms de naissance", max_length=200, help_text="Séparés par des espaces.")
    used_first_name = models.CharField("prénom utilisé", max_length=100, blank=True)
    birth_date = models.DateField("date de naissance", db_index=True)
    birth_place_code = models.CharField("lieu de naissance (code)", max_length=5, blank=True)
    birth_place_label = models.CharField("lieu de naissance", max_length=120, blank=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    ins = models.CharField("matricule INS", max_length=15, null=True, blank=True)
    identity_status = models.CharField(
        "statut de l'identité", max_length=5, choices=IdentityStatus.choices, default=IdentityStatus.PROVISIONAL
    )
    ins_from_national_service = models.BooleanField("INS obtenu par le téléservice INSi", default=False)
    address = models.CharField("adresse", max_length=250, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    # An identifier given by the system the person came from (the demo uses "demo:…").
    external_ref = models.CharField("référence externe", max_length=64, null=True, blank=True, unique=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name="fusionnée dans"
    )
    merged_at = models.DateTimeField("fusionnée le", null=True, blank=True)
    # Names and first names folded (no accents, upper case, separators as single spaces), kept by
    # `save()` so that a search of several words can match in the database on any backend.
    search_key = models.CharField("clé de recherche", max_length=600, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        ordering = ["family_name", "first_names", "pk"]
        verbose_name = "personne"
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="person_sex_valid"),
            models.CheckConstraint(condition=Q(identity_status__in=IdentityStatus.values), name="person_status_valid"),
            models.CheckConstraint(condition=Q(ins__isnull=True) | Q(ins__regex=INS_PATTERN), name="person_ins_format"),
            # "Récupérée" and "qualifiée" only exist with an INS returned by the national service.
            models.CheckConstraint(
                condition=~Q(identity_status__in=STATUSES_WITH_INS)
                | Q(ins__isnull=False, ins_from_national_service=True),
                name="person_status_requires_ins",
            ),
            models.CheckConstraint(
                condition=Q(birth_place_code="") | Q(birth_place_code__regex=BIRTH_PLACE_PATTERN),
                name="person_birth_place_format",
            ),
            models.CheckConstraint(condition=~Q(family_name="") & ~Q(first_names=""), name="person_names_required"),
            models.CheckConstraint(condition=~Q(merged_into=F("id")), name="person_not_merged_into_itself"),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True, merged_at__isnull=True)
                | Q(merged_into__isnull=False, merged_at__isnull=False),
                name="person_merged_at_with_merged_into",
            ),
            # One live person per INS; merged persons keep theirs as history.
            models.UniqueConstraint(
                fields=["ins"], condition=Q(ins__isnull=False, merged_into__isnull=True), name="person_ins_unique_live"
            ),
        ]

    def __str__(self) -> str:
        used = f" ({self.used_name})" if self.used_name and self.used_name != self.family_name else ""
        return f"{self.family_name}{used} {self.first_names}, né·e le {self.birth_date:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        from .names import search_key

        self.search_key = search_key(self.family_name, self.used_name, self.first_names, self.used_first_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def clean(self):
        from django.core.exceptions import ValidationError

        from .ins import ins_error

        if self.ins == "":
            self.ins = None
        if message := birth_date_error(self.birth_date):
            raise ValidationError({"birth_date": message})
        if self.ins and (message := ins_error(self.ins)):
            raise ValidationError({"ins": message})
        if self.identity_status in STATUSES_WITH_INS and not (self.ins and self.ins_from_national_service):
            raise ValidationError(
                {
                    "identity_status": f"Le statut « {self.get_identity_status_display()} » exige un matricule INS "
                    "obtenu par le téléservice INSi."
                }
            )


class RepresentativeRole(models.TextChoices):
    GUARDIAN = "tutelle", "Tuteur·rice (tutelle)"
    CURATOR = "curatelle", "Curateur·rice (curatelle)"
    PARENT = "parent", "Parent (autorité parentale)"
    FAMILY_APPOINTEE = "habilitation", "Personne habilitée (habilitation familiale)"


class LegalRepresentative(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="representatives")
    name = models.CharField("nom et prénom", max_length=200)
    role = models.CharField("qualité", max_length=12, choices=RepresentativeRole.choices)
    organisation_name = models.CharField("organisme (mandataire judiciaire)", max_length=200, blank=True)
    address = models.CharField("adresse", max_length=250, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        ordering = ["person", "pk"]
        verbose_name = "représentant·e légal·e"
        constraints = [
            models.CheckConstraint(condition=Q(role__in=RepresentativeRole.values), name="representative_role_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="representative_name_required"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class PersonMergeLog(models.Model):
    """Who merged which duplicate into which person, when, on which ground, and what moved."""

    keep = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    duplicate = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="merge_log")
    at = models.DateTimeField("date")
    user_id = models.BigIntegerField(null=True, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField("qui", max_length=300)
    ground = models.CharField("fondement", max_length=64)
    filled_fields = models.JSONField("champs complétés depuis le doublon", default=list)
    representatives_moved = models.JSONField("représentant·es rattaché·es", default=list)
    reason = models.TextField("motif", blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "fusion de personnes"
        constraints = [
            models.CheckConstraint(condition=~Q(keep=F("duplicate")), name="mergelog_distinct_persons"),
            models.CheckConstraint(condition=~Q(ground=""), name="mergelog_ground_required"),
        ]

    def __str__(self) -> str:
        return f"{self.duplicate_id} → {self.keep_id} le {self.at:%d/%m/%Y %H:%M}"


class IdentityEventKind(models.TextChoices):
    CREATED = "created", "Création"
    CORRECTED = "corrected", "Correction de l'identité"
    STATUS_CHANGED = "status_changed", "Changement de statut d'identité"
    MERGED = "merged", "Fusion d'un doublon"
    DUPLICATE_DISMISSED = "duplicate_dismissed", "Doublon écarté (personnes différentes)"


class IdentityEvent(models.Model):
    """The identity history of a person (identity vigilance): who changed which trait, when, and why.

    `before` and `after` hold only the traits that changed; for a merge, `other_person` is the duplicate."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="identity_events")
    kind = models.CharField("nature", max_length=24, choices=IdentityEventKind.choices)
    at = models.DateTimeField("date")
    user_id = models.BigIntegerField(null=True, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField("qui", max_length=300)
    reason = models.TextField("motif", blank=True)
    before = models.JSONField("avant", default=dict)
    after = models.JSONField("après", default=dict)
    other_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="autre personne"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "événement d'identité"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=IdentityEventKind.values), name="identityevent_kind_valid"),
            # A correction, a status change, a merge or a dismissal is always explained.
            models.CheckConstraint(
                condition=Q(kind=IdentityEventKind.CREATED) | ~Q(reason=""), name="identityevent_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.person_id} le {self.at:%d/%m/%Y %H:%M}"
