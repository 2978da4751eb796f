"""Forms of the orientation-side screens (persons, decisions, the admission file, the choice of ESMS).

Forms check what a user typed and say what is wrong in French, field by field; the writes are the services'.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from relais.offer.codes import CareMode, Domain
from relais.offer.models import Category
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import DecisionKind
from relais.orientation.requests.services import wish_ranks_check
from relais.orientation.requests.statuses import DECISION_CANCELLED
from relais.persons.models import Person
from relais.territory.selectors import commune_search

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PERSON_FIELDS = [
    "family_name",
    "used_name",
    "first_names",
    "used_first_name",
    "birth_date",
    "sex",
    "birth_place_label",
    "birth_place_code",
    "ins",
    "address",
    "postal_code",
    "city",
    "phone",
    "email",
]
# Rights the CDAPH most often opens alongside an orientation (stored as these codes in the decision).
RIGHTS = [
    ("aah", "Allocation aux adultes handicapés (AAH)"),
    ("pch", "Prestation de compensation du handicap (PCH)"),
    ("aeeh", "Allocation d'éducation de l'enfant handicapé (AEEH)"),
    ("cmi", "Carte mobilité inclusion (CMI)"),
    ("rqth", "Reconnaissance de la qualité de travailleur handicapé (RQTH)"),
    ("avpf", "Assurance vieillesse des parents au foyer (AVPF)"),
]
RIGHT_LABELS = dict(RIGHTS)


def _add_model_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class PersonForm(forms.Form):
    """Identity and contact. Checked like the model (INS key, birth place code) but not yet against other persons:
    the possible duplicates are shown to the user before anything is created."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Person, fields=PERSON_FIELDS, widgets={"birth_date": DATE}))
        self.fields["sex"].choices = [("", "— choisir —"), *self.fields["sex"].choices[1:]]
        self.fields["ins"].help_text = "Facultatif : 15 caractères, clé comprise."
        self.fields["birth_place_code"].help_text = "Code INSEE de la commune, ou 99xxx pour un pays étranger."

    def clean(self):
        data = super().clean()
        person = self.unsaved_person()
        try:  # every field at once: the user sees all that is wrong in one go
            person.full_clean(exclude=list(self.errors), validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            _add_model_errors(self, error)
        return data

    def unsaved_person(self) -> Person:
        return Person(**self.person_fields())

    def person_fields(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in PERSON_FIELDS if name in self.cleaned_data}
        data["ins"] = data.get("ins") or None
        return {name: ("" if value is None and name != "ins" else value) for name, value in data.items()}


def categories_by_domain() -> list[tuple[str, list[tuple[str, str]]]]:
    """The current medico-social FINESS categories, grouped by public (older people, disabled children…)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in Category.objects.filter(is_medico_social=True, replaced_by=None).order_by("label"):
        groups.setdefault(c.domain, []).append((c.code, f"{c.label} ({c.code})"))
    return [(label, groups[value]) for value, label in Domain.choices if value in groups]


def category_words(codes) -> list[tuple[str, str]]:
    """(name, code) of each FINESS category: the name shown, the code in its tooltip (decisions 0038, 0054)."""
    names = dict(Category.objects.filter(code__in=list(codes)).values_list("code", "label"))
    return [(names.get(code, code), code) for code in codes]


def category_labels(codes) -> list[str]:
    return [name for name, _code in category_words(codes)]


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label="Nature", choices=DecisionKind.choices, widget=forms.RadioSelect)
    mdph_decision_id = forms.CharField(label="Identifiant de la décision MDPH", max_length=64, required=False)
    decision_date = forms.DateField(label="Date de la décision", required=False, widget=DATE)
    validity_start = forms.DateField(label="Début de validité", required=False, widget=DATE)
    validity_end = forms.DateField(label="Fin de validité", required=False, widget=DATE)
    categories = forms.MultipleChoiceField(
        label="Catégories d'établissement orientées (FINESS)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    care_types = forms.MultipleChoiceField(
        label="Types de prise en charge", required=False, choices=CareMode.choices, widget=forms.CheckboxSelectMultiple
    )
    rights = forms.MultipleChoiceField(
        label="Droits ouverts", required=False, choices=RIGHTS, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = categories_by_domain()

    def clean(self):
        data = super().clean()
        start, end = data.get("validity_start"), data.get("validity_end")
        if data.get("kind") == DecisionKind.MDPH:
            if not data.get("mdph_decision_id"):
                self.add_error("mdph_decision_id", "Une décision de la CDAPH a un identifiant : saisissez-le.")
            if not end:
                self.add_error("validity_end", "Une décision de la CDAPH a une fin de validité : saisissez-la.")
            if not data.get("categories") and not data.get("care_types"):
                self.add_error("categories", "Cochez au moins une catégorie ou un type de prise en charge orientés.")
        if start and end and end < start:
            self.add_error("validity_end", "La fin de validité doit suivre son début.")
        return data


class CommuneField(forms.CharField):
    """A commune typed as its name or INSEE code; an ambiguous name lists the candidates."""

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        if text.endswith(")") and "(" in text:  # "Ajaccio (2A004)", as the page shows it back
            text = text.rsplit("(", 1)[1].rstrip(")").strip()
        matches = list(commune_search(query=text)[:20])
        exact = [c for c in matches if c.insee_code == text.upper() or c.name.lower() == text.lower()]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValidationError(f"Aucune commune ne s'appelle « {text} » ni n'a ce code INSEE.")
        names = ", ".join(str(c) for c in (exact or matches)[:8])
        raise ValidationError(f"Plusieurs communes correspondent à « {text} » : précisez le code INSEE ({names}).")

    def prepare_value(self, value):
        return str(value) if value is not None and not isinstance(value, str) else value


FILE_FIELDS = ["living_situation", "urgency", "urgency_reason", "wishes", "expected_entry", "commune"]


class AdmissionFileForm(forms.Form):
    """The administrative part. A plain form: the database constraints are the service's (full_clean), the
    French messages here."""

    def __init__(self, *args, instance: AdmissionFile | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in FILE_FIELDS}
        super().__init__(*args, **kwargs)
        widgets = {"expected_entry": DATE, "wishes": forms.Textarea(attrs={"rows": 3})}
        self.fields.update(forms.fields_for_model(AdmissionFile, fields=FILE_FIELDS[:-1], widgets=widgets))
        self.fields["commune"] = CommuneField(
            label="Commune de résidence",
            required=False,
            help_text="Nom ou code INSEE, par exemple Ajaccio ou 2A004. Sert au calcul des distances.",
        )

    def clean(self):
        data = super().clean()
        if (data.get("urgency") or 0) >= 2 and not (data.get("urgency_reason") or "").strip():
            self.add_error("urgency_reason", "Une situation urgente ou critique demande un motif.")
        return data

    def admin_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in FILE_FIELDS}


class MedicalForm(forms.Form):
    gir = forms.TypedChoiceField(
        label="GIR",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "— non évalué —")] + [(str(g), f"GIR {g}") for g in range(1, 7)],
        help_text="Groupe iso-ressources de la grille AGGIR, de 1 (le plus dépendant) à 6.",
    )
    care_needs = forms.CharField(label="Besoins de soins", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    medical_notes = forms.CharField(label="Éléments médicaux", required=False, widget=forms.Textarea(attrs={"rows": 4}))


class SiteSearchForm(forms.Form):
    q = forms.CharField(label="Nom ou commune de l'établissement", required=False, max_length=100)
    category = forms.ChoiceField(label="Catégorie", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Toutes"), *categories_by_domain()]


class TransitionForm(forms.Form):
    """An orientation-side status change of one request; the choices are the workflow's for its current status."""

    target = forms.ChoiceField(label="Nouveau statut")
    reason = forms.ChoiceField(label="Motif", required=False)
    comment = forms.CharField(label="Commentaire", required=False, max_length=300)

    def __init__(self, *args, targets=(), reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        # No default: a wrong click must not cancel a request. The decision's cancellation (37) comes last.
        ordered = sorted(targets, key=lambda choice: choice[0] == DECISION_CANCELLED)
        self.fields["target"].choices = [("", "— choisir —"), *ordered]
        self.fields["reason"].choices = [("", "— sans motif —"), *reasons]


def chosen_site_ids(params) -> list[int]:
    """The chosen sites (``choix``), in the order they were added (duplicates and non-numbers dropped)."""
    ids: list[int] = []
    for value in params.getlist("choix"):
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids


def ranked_choices(post, sites: dict) -> tuple[list, list[int], list[str]]:
    """[(site, stay_on_list)] in the order displayed and the ranks typed, or French errors naming the site. Two
    sites with the same rank are refused (the service says which rank), never silently renumbered."""
    rows, ranks, errors = [], [], []
    for site_id in chosen_site_ids(post):
        site = sites.get(site_id)
        if site is None:
            errors.append(f"L'établissement n° {site_id} n'existe pas ou est fermé : retirez-le.")
            continue
        raw = post.get(f"rang_{site_id}", "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 99:
            errors.append(f"Rang de « {site.name} » : saisissez un nombre entier de 1 à 99.")
            continue
        rows.append((site, post.get(f"rester_{site_id}") == "1"))
        ranks.append(int(raw))
    if not rows and not errors:
        errors.append("Choisissez au moins un établissement.")
    if not errors:
        try:
            wish_ranks_check(zip(ranks, [site.name for site, _stay in rows], strict=True))
        except ValidationError as error:
            errors.extend(error.messages)
    return rows, ranks, errors
