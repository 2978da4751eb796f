"""Forms of the coordination record screens (labels in French; the rules stay in services and policy)."""

from __future__ import annotations

from django import forms

from relais.accounts.actor import user_public_name
from relais.accounts.models import Membership
from relais.pathway import matrix as m
from relais.pathway.circle.models import CircleRole, ConsentMethod, Ground, MemberKind, ProxyRole
from relais.pathway.record.dates import event_date_check, past_only
from relais.pathway.record.models import AgreementMethod, DocumentType, EventKind, PlanGoal, PlanNeed, TaskStatus
from relais.pathway.record.uploads import ACCEPTED_LABEL
from relais.persons.models import Sex

CATEGORY_CHOICES = [(code, label.capitalize()) for code, label in m.CATEGORIES.items()]
CONTENT_CATEGORIES = [(c, label) for c, label in CATEGORY_CHOICES if c in (m.SOCIAL, m.MEDICAL, m.DOCUMENTS)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _informed_not_future(form) -> object:
    """The services' date rule (record/dates.py), shown at the field (typed in the organisation's zone)."""
    value = form.cleaned_data.get("informed_at")
    try:
        past_only(value, field="informed_at", label="Personne informée le")
    except forms.ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None
    return value


class RecordOpenForm(forms.Form):
    person = forms.ModelChoiceField(
        label="Personne",
        queryset=None,
        empty_label="— choisir —",
        error_messages={"required": "Recherchez puis choisissez une personne dans la liste."},
    )
    informed_at = forms.DateTimeField(
        label="Personne informée du partage le", widget=DateTimeInput(), help_text="CSP L1110-12 : avant tout partage."
    )

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons
        self.fields["person"].label_from_instance = lambda p: (
            f"{p.family_name.upper()} {p.first_names} ({p.birth_date:%d/%m/%Y})"
        )

    clean_informed_at = _informed_not_future


class PersonNewForm(forms.Form):
    family_name = forms.CharField(label="Nom de naissance", max_length=100)
    first_names = forms.CharField(label="Prénoms de naissance", max_length=200)
    birth_date = forms.DateField(label="Date de naissance", widget=DateInput())
    sex = forms.ChoiceField(label="Sexe", choices=Sex.choices)
    informed_at = forms.DateTimeField(label="Personne informée du partage le", widget=DateTimeInput())

    clean_informed_at = _informed_not_future


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="Nature", choices=EventKind.choices)
    category = forms.ChoiceField(label="Catégorie de données", choices=CONTENT_CATEGORIES, initial=m.SOCIAL)
    occurred_at = forms.DateTimeField(label="Date", widget=DateTimeInput())
    title = forms.CharField(label="Titre", max_length=200)
    body = forms.CharField(label="Détail", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        data = super().clean()
        try:
            event_date_check(data.get("kind", ""), data.get("occurred_at"))
        except forms.ValidationError as exc:
            self.add_error("occurred_at", exc.messages)
        return data


class DocumentForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200, required=False)
    doc_type = forms.ChoiceField(label="Type", choices=DocumentType.choices)
    category = forms.ChoiceField(label="Catégorie de données", choices=CONTENT_CATEGORIES, initial=m.DOCUMENTS)
    upload = forms.FileField(label="Fichier", help_text=f"{ACCEPTED_LABEL}, 10 Mo au plus.")


GROUND_CHOICES = [(Ground.CARE_TEAM, Ground.CARE_TEAM.label), (Ground.CONSENT, Ground.CONSENT.label)]


class CandidateSearchForm(forms.Form):
    """The picker's search (GET): the ground decides who is offered (decision 0031), the name narrows it."""

    ground = forms.ChoiceField(
        label="Fondement de l'accès", choices=GROUND_CHOICES, widget=forms.RadioSelect, initial=Ground.CARE_TEAM
    )
    q = forms.CharField(
        label="Nom du ou de la professionnel·le",
        max_length=100,
        required=False,
        help_text="Deux lettres au moins ; seules les personnes pouvant entrer dans le cercle sur ce fondement sont "
        "proposées.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ProfessionalAddForm(forms.Form):
    """The add (POST): the membership chosen in the picker's list, the ground it was offered for."""

    membership = forms.ModelChoiceField(
        label="Professionnel·le et organisation",
        queryset=Membership.objects.filter(is_active=True, user__is_active=True).select_related("user", "organisation"),
        error_messages={"required": "Recherchez puis choisissez un·e professionnel·le dans la liste."},
    )
    ground = forms.ChoiceField(label="Fondement de l'accès", choices=GROUND_CHOICES, widget=forms.HiddenInput)
    circle_role = forms.ChoiceField(label="Rôle dans le cercle", choices=CircleRole.choices, initial=CircleRole.MEMBER)
    informed_at = forms.DateTimeField(
        label="Équipe de soins : personne informée le", widget=DateTimeInput(), required=False
    )
    scope = forms.MultipleChoiceField(
        label="Consentement : catégories couvertes",
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    method = forms.ChoiceField(
        label="Consentement : recueilli", choices=[("", "—"), *ConsentMethod.choices], required=False
    )
    given_by = forms.CharField(label="Consentement : donné par", max_length=200, required=False)

    clean_informed_at = _informed_not_future

    def clean(self):
        data = super().clean()
        if data.get("ground") == Ground.CARE_TEAM and not data.get("informed_at"):
            self.add_error("informed_at", "Indiquez quand la personne a été informée (CSP L1110-12).")
        if data.get("ground") == Ground.CONSENT:
            for name, message in (
                ("scope", "Cochez au moins une catégorie couverte par le consentement."),
                ("method", "Indiquez comment le consentement a été recueilli."),
                ("given_by", "Indiquez qui a donné le consentement."),
            ):
                if not data.get(name):
                    self.add_error(name, message)
        return data


class ProxyAddForm(forms.Form):
    proxy_role = forms.ChoiceField(label="Qualité", choices=ProxyRole.choices)
    given_name = forms.CharField(label="Prénom", max_length=100, required=False)
    family_name = forms.CharField(label="Nom", max_length=100)
    phone = forms.CharField(
        label="Téléphone",
        max_length=30,
        required=False,
        help_text="Pour que les autres logiciels du cercle de soins puissent le ou la joindre.",
    )
    email = forms.EmailField(
        label="Adresse e-mail de son compte Relais",
        required=False,
        help_text="Facultatif : seulement s'il ou elle a un compte.",
    )


class ObjectionForm(forms.Form):
    member = forms.ModelChoiceField(
        label="Opposition au partage avec", queryset=None, required=False, empty_label="Toute l'équipe de soins"
    )
    expressed_by = forms.CharField(label="Exprimée par", max_length=200, initial="la personne")

    def __init__(self, *args, record, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = record.members.filter(
            kind=MemberKind.PROFESSIONAL, ground=Ground.CARE_TEAM
        ).select_related("user", "organisation")
        self.fields["member"].label_from_instance = lambda mb: f"{user_public_name(mb.user)} — {mb.organisation}"


class ConsentRevokeForm(forms.Form):
    revoked_by = forms.CharField(label="Retiré par", max_length=300, initial="la personne")


class NeedForm(forms.Form):
    domain = forms.CharField(label="Domaine", max_length=80, help_text="Santé, autonomie, logement, vie sociale…")
    description = forms.CharField(label="Besoin", widget=forms.Textarea(attrs={"rows": 2}))


class GoalForm(forms.Form):
    description = forms.CharField(label="Objectif", widget=forms.Textarea(attrs={"rows": 2}))
    need = forms.ModelChoiceField(label="Besoin", queryset=None, required=False, empty_label="— aucun —")
    target_date = forms.DateField(label="Échéance", widget=DateInput(), required=False)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = plan.needs.all() if plan else PlanNeed.objects.none()


class TaskForm(forms.Form):
    title = forms.CharField(label="Action", max_length=200)
    assignee = forms.ChoiceField(label="Confiée à")
    due_date = forms.DateField(label="Échéance", widget=DateInput(), required=False)
    goal = forms.ModelChoiceField(label="Objectif", queryset=None, required=False, empty_label="— aucun —")

    def __init__(self, *args, plan, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = plan.goals.all() if plan else PlanGoal.objects.none()
        self.fields["goal"].label_from_instance = lambda g: g.description[:80]
        people = [
            (
                f"m:{mb.pk}",
                f"{user_public_name(mb.user) if mb.user else mb.display_name} — "
                f"{mb.organisation or mb.get_proxy_role_display()}",
            )
            for mb in members
            if mb.is_active and not getattr(mb, "ineligible", "")
        ]
        organisations = {
            mb.organisation_id: mb.organisation
            for mb in members
            if mb.is_active and mb.organisation_id and not getattr(mb, "ineligible", "")
        }
        self.fields["assignee"].choices = [
            ("", "— choisir —"),
            ("Membres", people),
            ("Organisations", [(f"o:{pk}", str(org)) for pk, org in organisations.items()]),
        ]


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label="Statut", choices=TaskStatus.choices)


class CommentForm(forms.Form):
    body = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 2}))


class PlanVersionForm(forms.Form):
    """The person's agreement to the plan as it stands: it becomes a numbered, printable version (decision 0040)."""

    agreed_by = forms.CharField(
        label="Accord donné par",
        max_length=200,
        initial="la personne",
        help_text="La personne, ou son ou sa représentant·e.",
    )
    agreement_method = forms.ChoiceField(
        label="Forme de l'accord", choices=AgreementMethod.choices, widget=forms.RadioSelect
    )
    agreed_on = forms.DateField(label="Date de l'accord", widget=DateInput())
    review_on = forms.DateField(label="À réviser le", widget=DateInput(), help_text="Au plus tard dans un an.")
