"""Reference geography: régions, départements, communes (INSEE codes).

Loaded by `manage.py load_geography` from public packages; never edited by hand.
"""

from django.db import models


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name = "région"

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=120)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        ordering = ["code"]
        verbose_name = "département"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    insee_code = models.CharField("code INSEE", max_length=5, primary_key=True)
    name = models.CharField("nom", max_length=120, db_index=True)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    # WGS84; null when no source gives a position (a handful of communes).
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["insee_code"]
        verbose_name = "commune"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="commune_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.insee_code})"


class PostalCode(models.Model):
    """One postcode of one commune (a commune may have several, and a postcode several communes)."""

    code = models.CharField("code postal", max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        ordering = ["code", "commune_id"]
        constraints = [models.UniqueConstraint(fields=["code", "commune"], name="postalcode_unique_per_commune")]

    def __str__(self) -> str:
        return self.code
