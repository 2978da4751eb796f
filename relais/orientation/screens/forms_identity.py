"""Forms of the identity-vigilance screens: correcting an identity, merging two records, dismissing a pair.

Every form asks for the reason (kept in the identity history); the rules are the services' (``persons.identity``,
``persons.services.person_merge``), which say in French what is refused.
"""

from __future__ import annotations

from django import forms

from relais.orientation.screens.forms import DATE
from relais.persons.identity import SETTABLE_STATUSES
from relais.persons.ins import IdentityStatus
from relais.persons.models import Person

CORRECTION_FIELDS = [
    "family_name",
    "used_name",
    "first_names",
    "used_first_name",
    "birth_date",
    "sex",
    "birth_place_code",
    "birth_place_label",
    "identity_status",
]
REASON_HELP = "Pourquoi, et sur quelle pièce (ex. « carte d'identité présentée le 05/12 »). Conservé dans l'historique."


def _reason(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=1000,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif : il est conservé dans l'historique de l'identité."},
    )


class IdentityCorrectionForm(forms.Form):
    """The traits of the person, prefilled; only the changed ones are written."""

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, initial={name: getattr(person, name) for name in CORRECTION_FIELDS}, **kwargs)
        model_fields = forms.fields_for_model(Person, fields=CORRECTION_FIELDS, widgets={"birth_date": DATE})
        for name in CORRECTION_FIELDS:
            self.fields[name] = model_fields[name]
        statuses = [person.identity_status, *(s for s in SETTABLE_STATUSES if s != person.identity_status)]
        self.fields["identity_status"] = forms.ChoiceField(
            label="Statut de l'identité",
            choices=[(s, IdentityStatus(s).label) for s in statuses],
            help_text="« Récupérée » et « qualifiée » ne s'obtiennent que par le téléservice INSi.",
        )
        self.fields[
            "birth_place_code"
        ].help_text = (
            "Code commune INSEE (2A/2B pour la Corse), ou 99 et le code du pays pour une naissance à l'étranger."
        )
        self.fields["reason"] = _reason("Motif de la correction")


class MergeForm(forms.Form):
    keep = forms.ChoiceField(
        label="Fiche à conserver",
        widget=forms.RadioSelect,
        help_text="L'autre fiche est gardée pour l'historique ; ce qui y est rattaché passe sur la fiche conservée.",
        error_messages={"required": "Choisissez la fiche à conserver."},
    )
    reason = _reason("Motif de la fusion")
    confirm = forms.BooleanField(
        label="Je confirme qu'il s'agit de la même personne ; la fusion ne peut pas être annulée.",
        error_messages={"required": "Cochez la confirmation pour fusionner les deux fiches."},
    )

    def __init__(self, *args, pair: tuple[Person, Person], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(str(p.pk), f"Fiche n° {p.pk} — {p}") for p in pair]


class DismissForm(forms.Form):
    reason = _reason("Pourquoi ce ne sont pas les mêmes personnes")
