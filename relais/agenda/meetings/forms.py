"""Forms of the concertation screens (French labels; the services re-check everything, and say why in French).

The member pickers accept any id: a member outside the circle is refused by the service with a sentence naming the
problem ("… ne fait pas partie du cercle de soins"), not by the form's generic "choix invalide". Decisions are a
formset of plain rows (no JavaScript): empty rows are ignored, "?lignes=N" shows more.
"""

from __future__ import annotations

from django import forms

from .services import member_name

MAX_ACTION_ROWS = 12


class _AnyChoice(forms.TypedChoiceField):
    def valid_value(self, value) -> bool:
        return True


class _AnyChoices(forms.TypedMultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


def _member_choices(members) -> list[tuple[int, str]]:
    return [(member.pk, member_name(member)) for member in members]


class ConveneForm(forms.Form):
    title = forms.CharField(label="Objet", max_length=200, help_text="Sans donnée médicale (il figure sur l'agenda).")
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Heure", widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=15, max_value=480, initial=60)
    place = forms.CharField(label="Lieu", max_length=300, required=False, help_text="Ou un lien de visioconférence.")
    video_link = forms.CharField(label="Lien de visioconférence (https)", max_length=500, required=False)
    agenda_items = forms.CharField(
        label="Ordre du jour", widget=forms.Textarea(attrs={"rows": 4}), help_text="Un point par ligne."
    )
    invitees = _AnyChoices(
        label="Membres du cercle convoqué·es", coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitees"].choices = _member_choices(members)


class ConcludeForm(forms.Form):
    attended = _AnyChoices(
        label="Présent·es à la réunion", coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    conclusions = forms.CharField(
        label="Conclusions",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Partagées avec chaque membre convoqué·e : pas de donnée médicale ici.",
    )
    medical_conclusions = forms.CharField(
        label="Conclusions médicales",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Lues par les seul·es professionnel·les de santé du cercle.",
    )

    def __init__(self, *args, invitations=(), medical=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(i.pk, member_name(i.member)) for i in invitations]
        if not medical:
            del self.fields["medical_conclusions"]


class ActionForm(forms.Form):
    title = forms.CharField(label="Action décidée", max_length=200, required=False)
    owner = _AnyChoice(label="Portée par", coerce=int, required=False, empty_value=None)
    due_date = forms.DateField(label="Échéance", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "— choisir —"), *_member_choices(members)]


def action_formset(data=None, *, members, rows: int = 3):
    rows = max(1, min(int(rows), MAX_ACTION_ROWS))
    factory = forms.formset_factory(ActionForm, extra=rows, max_num=MAX_ACTION_ROWS, absolute_max=MAX_ACTION_ROWS)
    return factory(data, prefix="action", form_kwargs={"members": members})
