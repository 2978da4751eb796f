"""Identity vigilance: the one search-before-create step every creation of a person goes through (decision 0030).

`person_create_checked` is the only way a person is created (screens, coordination record, SI-SDO import, FHIR;
``tests/persons/test_one_flow.py`` keeps it so). It looks for candidates (`duplicates`, blocked on the birth date and
its slips, and the INS) and:
- with candidates and no confirmation, creates nothing and raises `IdentityCandidates` carrying them, scored and
  with their reasons, so the caller asks « C'est cette personne ? »;
- with the confirmation that none of them is the person, creates it and writes the `IdentityEvent` "created" naming
  the candidates set aside; a candidate with the same INS is never set aside (the existing record must be used).

Each candidate shown is a read of its data: the reads are logged with the creation, or, when the creation is refused
and the caller's transaction rolled back, by `IdentityCandidates.record_reads()` called after the rollback
(`candidate_reads_kept` does it around a transaction block).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .candidates import candidate_reads_record, candidates_for
from .duplicates import Match
from .models import IdentityEvent, IdentityEventKind, Person
from .services import _check_fields, person_create

IDENTITY_TRAITS = ("family_name", "used_name", "first_names", "birth_date", "sex", "birth_place_code", "ins")


class IdentityCandidates(ValidationError):
    """Persons that may be the one about to be created: nothing was created. `matches` best first."""

    def __init__(self, matches: list[Match], *, actor, confirmed: bool = False):
        self.matches = matches
        self.actor = actor
        self._recorded = False
        if any(m.certain for m in matches):
            message = "Une personne portant le même matricule INS existe déjà : utilisez sa fiche."
        elif confirmed:
            message = "Confirmation incomplète : recommencez."
        else:
            count = len(matches)
            message = (
                f"{count} personne{'s' if count > 1 else ''} proche{'s' if count > 1 else ''} de l'identité saisie "
                "existe(nt) déjà : vérifiez s'il s'agit de la même personne avant de créer une nouvelle fiche."
            )
        super().__init__(message, code="identity_candidates")

    def record_reads(self) -> None:
        """Log the read of each candidate (once), outside the rolled-back transaction."""
        if not self._recorded:
            candidate_reads_record(self.actor, self.matches, "d'une fiche en cours de création (refusée)")
            self._recorded = True


@contextmanager
def candidate_reads_kept():
    """Around a `transaction.atomic()` block: candidates shown by a refused creation stay in the access log."""
    try:
        yield
    except IdentityCandidates as error:
        error.record_reads()
        raise


@transaction.atomic
def person_create_checked(*, actor, ground: str, confirmed_new: bool = False, **fields) -> Person:
    """Create a person once identity vigilance allows it (see the module docstring). Bad fields → ValidationError
    naming them; candidates not set aside → IdentityCandidates."""
    _check_fields(fields)
    unsaved = Person(**fields)
    unsaved.full_clean(validate_unique=False, validate_constraints=False)  # typed values become dates, None…
    matches = candidates_for(unsaved)
    if matches and (not confirmed_new or any(m.certain for m in matches)):
        raise IdentityCandidates(matches, actor=actor, confirmed=confirmed_new)
    person = person_create(actor=actor, ground=ground, **fields)
    candidate_reads_record(actor, matches, f"de la fiche {person.pk}, écarté à sa création")
    set_aside = ", ".join(f"fiche {m.other.pk} (score {m.score})" for m in matches)
    IdentityEvent.objects.create(
        person=person,
        kind=IdentityEventKind.CREATED,
        at=timezone.now(),
        user_id=getattr(getattr(actor, "user", None), "pk", None),
        organisation_id=getattr(getattr(actor, "organisation", None), "pk", None),
        actor_label=actor.public_label if actor is not None else "système",
        reason=f"Création confirmée malgré des doublons possibles écartés : {set_aside}." if matches else "",
        after={name: str(getattr(person, name) or "") for name in IDENTITY_TRAITS},
    )
    return person


def who_follows(person_pks) -> dict[int, list[str]]:
    """The organisations following each person (coordination record, admission file): whom to contact about a
    candidate the user may not see. Only organisation names, never the person's identity."""
    followers: dict[int, list[str]] = {pk: [] for pk in person_pks}
    sources = (
        ("pathway", "CoordinationRecord", "opened_by_organisation__name"),
        ("orientation", "AdmissionFile", "author_organisation__name"),
    )
    for app_label, model_name, name_path in sources:
        if not apps.is_installed(f"relais.{app_label}"):
            continue
        model = apps.get_model(app_label, model_name)
        for pk, name in model.objects.filter(person_id__in=list(followers)).values_list("person_id", name_path):
            if name and name not in followers[pk]:
                followers[pk].append(name)
    return followers


def candidate_rows(matches: list[Match], visible_pks: set[int]) -> list[dict]:
    """What a screen or an API answer may show of each candidate: everything when the user may see the person, else
    only that a possible duplicate exists, its score, and whom to contact (decision 0030)."""
    hidden = [m.other.pk for m in matches if m.other.pk not in visible_pks]
    followers = who_follows(hidden) if hidden else {}
    rows = []
    for m in matches:
        visible = m.other.pk in visible_pks
        contact = ", ".join(followers.get(m.other.pk, [])) or "la cellule d'identitovigilance de votre territoire"
        rows.append({"match": m, "visible": visible, "contact": "" if visible else contact})
    return rows


CONFIRMED_TAG_SYSTEM = "urn:relais:identity-vigilance"
CONFIRMED_TAG_CODE = "new-person-confirmed"


def fhir_confirmed(resource: dict) -> bool:
    """A FHIR resource (Patient) whose sender says the candidates were set aside: meta.tag
    ``urn:relais:identity-vigilance|new-person-confirmed``."""
    tags = (resource.get("meta") or {}).get("tag") or []
    return any(t.get("system") == CONFIRMED_TAG_SYSTEM and t.get("code") == CONFIRMED_TAG_CODE for t in tags)


def fhir_conflict(error: IdentityCandidates, *, path: str, visible_pks: set[int]):
    """The 409 OperationOutcome of a refused FHIR creation: one issue saying why and how to confirm, one per
    candidate (its id, score and reasons when the caller may see it, else only whom to contact). The candidates'
    reads are logged after the request's rollback."""
    from relais.fhir.errors import FhirError, Issue

    tag = f"{CONFIRMED_TAG_SYSTEM}|{CONFIRMED_TAG_CODE}"
    head = f"{path} : {error.messages[0]}"
    if not any(m.certain for m in error.matches):
        head += f" Si aucune n'est la personne, renvoyez la ressource avec meta.tag « {tag} »."
    issues = [Issue(code="duplicate", diagnostics=head, expression=[path])]
    for row in candidate_rows(error.matches, visible_pks):
        match = row["match"]
        if row["visible"]:
            text = f"Patient/{match.other.pk} — score {match.score} : {', '.join(match.reasons)}"
        else:
            text = f"Fiche proche hors de votre accès — score {match.score} : contactez {row['contact']}."
        issues.append(Issue(code="duplicate", diagnostics=text, expression=[path], severity="information"))
    return FhirError(409, "duplicate", head, issues=issues, after_rollback=error.record_reads)
