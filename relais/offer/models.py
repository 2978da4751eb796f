"""The offer directory: legal entities (EJ), sites (EG), units and their live capacity.

Filled from FINESS (the national registry) and ROR-shaped FHIR bundles, and kept
up to date by the ESMS themselves for capacity. A directory entry may be linked
to the Relais organisation whose members act for it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .codes import CapacityStatus, CareMode, Domain


class Source(models.TextChoices):
    FINESS = "finess", "FINESS"
    ROR = "ror", "ROR"
    RELAIS = "relais", "Relais"
    DEMO = "demo", "Démonstration"


class Category(models.Model):
    """A FINESS category (catégorie d'établissement), with the domain it serves."""

    code = models.CharField("code", max_length=4, primary_key=True)
    label = models.CharField("libellé", max_length=200)
    domain = models.CharField("domaine", max_length=20, choices=Domain.choices, default=Domain.OTHER)
    is_medico_social = models.BooleanField("médico-social", default=False)
    # Old codes point to the code FINESS replaced them with (e.g. 437 FAM → 448 EAM).
    replaced_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["code"]
        verbose_name = "catégorie FINESS"
        constraints = [models.CheckConstraint(condition=Q(domain__in=Domain.values), name="category_domain_valid")]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class Address(models.Model):
    address_line = models.CharField("adresse", max_length=300, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("localité", max_length=100, blank=True)
    commune = models.ForeignKey("territory.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        abstract = True


class DirectoryEntry(Address):
    finess = models.CharField("numéro FINESS", max_length=9, unique=True)
    name = models.CharField("raison sociale", max_length=200)
    long_name = models.CharField("raison sociale longue", max_length=300, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    is_open = models.BooleanField("ouvert", default=True, db_index=True)
    opened_on = models.DateField("date d'ouverture", null=True, blank=True)
    closed_on = models.DateField("date de fermeture", null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FINESS)
    source_updated_on = models.DateField("mise à jour à la source", null=True, blank=True)
    # The ROR's dateCreation (ror-meta-creation-date): when the entry entered the directory, or the ROR's date for
    # an entry the ROR import created. Rows older than this field carry their updated_at (migration 0004).
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # The Relais organisation whose members act for this entry: the one identity of an ESMS or a managing body in
    # Relais (decision 0029). An entry without users yet has none; onboarding links one, never a second entry.
    organisation = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_%(class)s",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.finess})"


class LegalEntity(DirectoryEntry):
    """Entité juridique (EJ, "pmej" in FINESS+): the managing body."""

    siren = models.CharField("SIREN", max_length=9, blank=True)
    legal_status = models.CharField("statut juridique", max_length=120, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "entité juridique"
        constraints = [
            models.CheckConstraint(condition=Q(finess__regex=r"^[0-9][0-9AB][0-9]{7}$"), name="legalentity_finess"),
        ]


class Site(DirectoryEntry):
    """Établissement (EG/ET, "ege" in FINESS+): a site with one FINESS category."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="sites")
    siret = models.CharField("SIRET", max_length=14, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="sites")
    email = models.EmailField("e-mail", blank=True)
    website = models.URLField("site web", blank=True)
    # WGS84. Null when FINESS has none: the site is imported and flagged, not dropped.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    coordinates_source = models.CharField("origine des coordonnées", max_length=120, blank=True)
    # Capacity figures older than this are flagged and the site reminded.
    capacity_update_days = models.PositiveSmallIntegerField("fréquence de mise à jour (jours)", default=7)
    capacity_reminded_at = models.DateTimeField("dernier rappel de mise à jour", null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "établissement"
        # The search's bounding box, covering its other site filters (docs/decisions/0009-offer-search.md).
        indexes = [models.Index(fields=["latitude", "longitude", "is_open", "category"], name="site_search_box")]
        constraints = [
            models.CheckConstraint(condition=Q(finess__regex=r"^[0-9][0-9AB][0-9]{7}$"), name="site_finess"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="site_coordinates_valid",
            ),
        ]

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Unit(models.Model):
    """A service of a site (ROR HealthcareService + Location): one care mode, one public, one capacity."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="units")
    name = models.CharField("nom", max_length=200)
    activity = models.CharField("activité", max_length=200, blank=True)
    care_mode = models.CharField("mode de prise en charge", max_length=32, choices=CareMode.choices)
    age_min = models.PositiveSmallIntegerField("âge minimum", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("âge maximum", null=True, blank=True)
    deficiencies = models.JSONField("déficiences accompagnées", default=list, blank=True)
    gir_min = models.PositiveSmallIntegerField("GIR le plus autonome accueilli", null=True, blank=True)
    gir_max = models.PositiveSmallIntegerField("GIR le moins autonome accueilli", null=True, blank=True)
    alzheimer_unit = models.BooleanField("unité Alzheimer", default=False)
    # INSEE codes of communes served; empty means no restriction.
    eligibility_zone = models.JSONField("zone d'intervention", default=list, blank=True)
    daily_price = models.DecimalField("prix de journée (€)", max_digits=7, decimal_places=2, null=True, blank=True)
    is_open = models.BooleanField("ouverte", default=True)
    external_id = models.CharField("identifiant externe (ROR)", max_length=64, blank=True)
    # The ROR's identifiantOffre (HealthcareService.identifier, "unique and persistent nationally"), with the system
    # the ROR sent it in (none in the ANS examples). Empty for a unit never registered in the ROR (decision 0049).
    ror_identifier = models.CharField("identifiant national de l'offre (ROR)", max_length=64, blank=True)
    ror_identifier_system = models.CharField("système de l'identifiant ROR", max_length=200, blank=True)
    # The unit's category as its source states it (the ROR's HealthcareService.category, the demo), TRE_R244; sent as
    # SI-SDO categorieOrganisation. Empty: the default from the site's FINESS category applies (organisation_category).
    organisation_category = models.CharField("catégorie d'organisation (ROR, TRE_R244)", max_length=8, blank=True)
    # Current figures (the history is in CapacityUpdate); denormalised for fast search.
    authorised = models.PositiveIntegerField("places autorisées", default=0)
    installed = models.PositiveIntegerField("places installées", default=0)
    available = models.PositiveIntegerField("places disponibles", default=0, db_index=True)
    occupied = models.PositiveIntegerField("places occupées", default=0)
    reserved = models.PositiveIntegerField("places réservées", default=0)
    closed = models.PositiveIntegerField("places fermées", default=0)
    capacity_updated_at = models.DateTimeField("capacité mise à jour le", null=True, blank=True)
    capacity_updated_by = models.CharField("capacité mise à jour par", max_length=300, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)  # ror-meta-creation-date, as for entries
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["site_id", "name"]
        verbose_name = "unité"
        indexes = [
            models.Index(fields=["care_mode", "available"], name="unit_mode_available"),
            # The search reads a site's units through this index and filters them without the table.
            models.Index(
                fields=["site", "is_open", "care_mode", "available", "age_min", "age_max", "gir_min", "gir_max"],
                name="unit_search",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(care_mode__in=CareMode.values), name="unit_care_mode_valid"),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_min__lte=models.F("age_max")),
                name="unit_age_range",
            ),
            models.CheckConstraint(
                condition=(Q(gir_min__isnull=True) | Q(gir_min__gte=1, gir_min__lte=6))
                & (Q(gir_max__isnull=True) | Q(gir_max__gte=1, gir_max__lte=6)),
                name="unit_gir_range",
            ),
            models.CheckConstraint(
                condition=Q(available__lte=models.F("installed")), name="unit_available_le_installed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.site.name}"


class CapacityUpdate(models.Model):
    """One change of one capacity figure of a unit: who, when, from what to what."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="capacity_updates")
    status = models.CharField("statut", max_length=12, choices=CapacityStatus.choices)
    value = models.PositiveIntegerField("valeur")
    previous_value = models.PositiveIntegerField("valeur précédente", null=True, blank=True)
    at = models.DateTimeField("date", db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_label = models.CharField("par", max_length=300)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RELAIS)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "mise à jour de capacité"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CapacityStatus.values), name="capacity_status_valid")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.status}: {self.previous_value} → {self.value}"
