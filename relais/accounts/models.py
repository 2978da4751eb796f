"""Who acts for which organisation: organisations, users, memberships, API clients."""

import hashlib

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from .professions import ProfessionalCategory
from .roles import OrganisationKind, Role, role_label


class Organisation(models.Model):
    """A Relais tenant: who has users, memberships and API clients (decision 0029).

    An ESMS or a managing body is a directory entry (``offer.Site`` / ``offer.LegalEntity``) linked one-to-one to
    its organisation: the directory owns its FINESS number and its managing body. ``finess`` and ``parent`` are
    only for organisations outside the directory; they stay empty on a linked one.
    """

    kind = models.CharField("type", max_length=32, choices=OrganisationKind.choices)
    name = models.CharField("nom", max_length=200)
    # The FINESS number of an organisation the directory does not list (a hospital or a practice outside the import).
    finess = models.CharField("numéro FINESS", max_length=9, unique=True, null=True, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    # Attachment outside the directory (an ARS's or a département's own services); a managing body's sites are
    # the sites of its legal entity (offer.acting).
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name="rattachement"
    )
    region = models.ForeignKey("territory.Region", on_delete=models.PROTECT, null=True, blank=True)
    departement = models.ForeignKey("territory.Departement", on_delete=models.PROTECT, null=True, blank=True)
    commune = models.ForeignKey("territory.Commune", on_delete=models.PROTECT, null=True, blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "organisation"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"),
            models.CheckConstraint(
                condition=Q(finess__isnull=True) | Q(finess__regex=r"^([0-9]{2}|2A|2B)[0-9]{7}$"),
                name="organisation_finess_format",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="organisation_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def directory_entry(self):
        """The directory entry this organisation is (a site, or a legal entity for a managing body), or None."""
        names = ["directory_site", "directory_legalentity"]
        if self.kind == OrganisationKind.MANAGING_BODY:
            names.reverse()
        for name in names:
            try:
                return getattr(self, name)
            except ObjectDoesNotExist:
                continue
        return None

    @property
    def finess_number(self) -> str | None:
        """The FINESS number: the directory entry's, or the one kept here for an organisation outside it."""
        entry = self.directory_entry
        return entry.finess if entry is not None else self.finess

    @property
    def attached_to(self) -> "Organisation | None":
        """Rattachement: the organisation of the site's legal entity (its managing body), else ``parent``."""
        entry = self.directory_entry
        if entry is not None and hasattr(entry, "legal_entity_id") and entry.legal_entity.organisation_id:
            return entry.legal_entity.organisation
        return self.parent


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("Une adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        # E-mail addresses are compared case-insensitively at login.
        return self.get(email__iexact=username)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in. Identified by e-mail; synthetic in demo data."""

    username = None
    email = models.EmailField("adresse e-mail", unique=True)
    professional_category = models.CharField(
        "catégorie professionnelle",
        max_length=32,
        choices=ProfessionalCategory.choices,
        default=ProfessionalCategory.ADMINISTRATIVE,
    )
    rpps = models.CharField("numéro RPPS", max_length=11, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = "utilisateur·rice"
        constraints = [
            models.CheckConstraint(
                condition=Q(professional_category__in=ProfessionalCategory.values), name="user_category_valid"
            ),
            models.CheckConstraint(condition=Q(rpps="") | Q(rpps__regex=r"^[0-9]{11}$"), name="user_rpps_format"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Membership(models.Model):
    """A user's role in one organisation. A user may belong to several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=32, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the user last chose to act for this organisation (the switcher): where a new session lands (decision 0039).
    last_chosen_at = models.DateTimeField("dernier choix", null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = "appartenance"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_per_organisation"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"

    @property
    def role_label(self) -> str:
        """As ``Actor.role_label``: the profession of a care professional (organisation switcher)."""
        return role_label(self.role, self.user.professional_category)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiClient(models.Model):
    """A machine client (an orientation system, an ESMS record system) acting for one organisation.

    Only the SHA-256 of the token is stored; the token itself is shown once.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_clients")
    name = models.CharField("nom", max_length=120)
    token_prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "client API"

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.organisation.is_active

    def touch(self) -> None:
        now = timezone.now()
        # At most one write a minute per client: this runs on every API call.
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            ApiClient.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
