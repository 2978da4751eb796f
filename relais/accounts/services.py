"""Writes for organisations, memberships and API clients (keyword-only, atomic)."""

import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from relais.audit.services import access_log_record

from .actor import Actor
from .models import ApiClient, Membership, Organisation, User, hash_token
from .onboarding import directory_entry_for_finess, organisation_onboard
from .roles import reads_personal_data, role_allowed

TOKEN_PREFIX = "relais_"


class InvalidToken(Exception):
    """A bearer token that is missing, unknown or revoked; the message is for the caller."""


def second_factor_missing(*, user) -> bool:
    """True when this logged-in session must still pass the TOTP check before reading anything."""
    return (
        settings.RELAIS_REQUIRE_2FA
        and user.is_authenticated
        and not user.is_verified()
        and requires_two_factor(user=user)
    )


def requires_two_factor(*, user: User) -> bool:
    """True for accounts that can read personal data through any of their memberships."""
    if user.is_superuser:
        return True
    roles = Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)
    return any(reads_personal_data(role) for role in roles)


@transaction.atomic
def organisation_create(
    *, kind: str, name: str, parent: Organisation | None = None, finess: str | None = None, **fields
) -> Organisation:
    """A new organisation. With the FINESS number of a directory entry, this is that entry's onboarding: the entry
    becomes the organisation's identity (decision 0029), and an entry that already has one is refused."""
    entry = directory_entry_for_finess(finess, kind=kind) if finess else None
    if entry is not None:
        # Checked under the entry's lock: never someone else's organisation returned after a race.
        try:
            return organisation_onboard(entry=entry, kind=kind, name=name, parent=parent, refuse_linked=True, **fields)
        except ValidationError as error:
            raise ValidationError({"finess": error.messages}) from error
    organisation = Organisation(kind=kind, name=name, parent=parent, finess=finess, **fields)
    organisation.full_clean()
    organisation.save()
    return organisation


def _require_admin(actor: Actor, organisation: Organisation) -> None:
    if actor.organisation.pk != organisation.pk or not actor.is_admin:
        raise PermissionDenied("Seul·e un·e administrateur·rice de l'organisation peut faire cela.")


def membership_choose(*, membership: Membership) -> None:
    """The user chose to act for this organisation: remembered so that their next session lands there."""
    Membership.objects.filter(pk=membership.pk).update(last_chosen_at=timezone.now())


@transaction.atomic
def membership_add(*, actor: Actor | None, organisation: Organisation, user: User, role: str) -> Membership:
    """Give `user` a role in `organisation`. actor None means set-up code (demo, commands)."""
    if actor is not None:
        _require_admin(actor, organisation)
    if not role_allowed(organisation.kind, role):
        raise ValidationError(
            {
                "role": f"Le rôle « {role} » n'existe pas pour une organisation de type "
                f"{organisation.get_kind_display()}."
            }
        )
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role, "is_active": True}
    )
    if actor is not None:
        access_log_record(actor=actor, action="create", obj=membership, ground="organisation_admin")
    return membership


@transaction.atomic
def membership_deactivate(*, actor: Actor, membership: Membership) -> Membership:
    _require_admin(actor, membership.organisation)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    access_log_record(actor=actor, action="update", obj=membership, ground="organisation_admin")
    return membership


@transaction.atomic
def user_create(*, email: str, first_name: str, last_name: str, password: str | None = None, **fields) -> User:
    user = User(email=User.objects.normalize_email(email).lower(), first_name=first_name, last_name=last_name, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()  # set through the password-reset e-mail
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def api_client_create(*, actor: Actor | None, organisation: Organisation, name: str) -> tuple[ApiClient, str]:
    """Create a machine client; returns it with its token, which is never stored nor shown again."""
    if actor is not None:
        _require_admin(actor, organisation)
    if not name.strip():
        raise ValidationError({"name": "Le nom du client API est obligatoire."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        organisation=organisation,
        name=name.strip(),
        token_prefix=raw[: len(TOKEN_PREFIX) + 4],
        token_hash=hash_token(raw),
        created_by=actor.user if actor else None,
    )
    return client, raw


@transaction.atomic
def api_client_revoke(*, actor: Actor | None, client: ApiClient) -> ApiClient:
    if actor is not None:
        _require_admin(actor, client.organisation)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


def api_client_for_bearer(*, raw_token: str) -> ApiClient:
    """The active client behind the text after "Bearer "; InvalidToken otherwise."""
    raw_token = raw_token.strip()
    if not raw_token:
        raise InvalidToken("Jeton manquant après « Bearer ».")
    client = api_client_authenticate(raw_token=raw_token)
    if client is None:
        raise InvalidToken("Jeton invalide ou révoqué.")
    return client


def api_client_authenticate(*, raw_token: str) -> ApiClient | None:
    client = (
        ApiClient.objects.select_related("organisation")
        .filter(token_hash=hash_token(raw_token), revoked_at__isnull=True, organisation__is_active=True)
        .first()
    )
    if client is not None:
        client.touch()
    return client


@transaction.atomic
def member_invite(
    *,
    actor: Actor,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    professional_category: str,
    role: str,
) -> Membership:
    """Add a member by e-mail: an existing account gets the membership, a new one an invitation."""
    _require_admin(actor, organisation)
    user = User.objects.filter(email__iexact=email.strip()).first()
    created = user is None
    if created:
        user = user_create(
            email=email, first_name=first_name, last_name=last_name, professional_category=professional_category
        )
    membership = membership_add(actor=actor, organisation=organisation, user=user, role=role)
    if created:
        from relais.jobs.services import after_commit

        from .tasks import invitation_email  # the worker builds the link and sends it (retried there)

        after_commit(invitation_email, user.pk, organisation.pk)  # a queue down is recorded, never a 500
    return membership
