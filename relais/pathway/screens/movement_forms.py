"""Forms of the hospital movements section of the record (labels in French; the rules stay in the services)."""

from __future__ import annotations

from django import forms

from relais.pathway.record.movements import Destination
from relais.pathway.record.uploads import ACCEPTED_LABEL
from relais.pathway.screens.forms import DateInput


class MovementEntryForm(forms.Form):
    hospital = forms.CharField(label="Établissement de santé", max_length=200)
    ward = forms.CharField(label="Service", max_length=200, required=False)
    admitted_on = forms.DateField(label="Entrée le", widget=DateInput())
    planned_discharge_on = forms.DateField(label="Sortie prévue le", widget=DateInput(), required=False)
    reason = forms.CharField(
        label="Motif d'hospitalisation (donnée médicale)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Visible des seuls membres autorisés à lire les données médicales ; jamais dans une notification.",
    )

    def __init__(self, *args, medical: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not medical:
            del self.fields["reason"]


class MovementPlannedForm(forms.Form):
    planned_discharge_on = forms.DateField(label="Sortie prévue le", widget=DateInput())


class MovementDischargeForm(forms.Form):
    discharged_on = forms.DateField(label="Sortie le", widget=DateInput())
    destination = forms.ChoiceField(label="Destination", choices=[("", "— choisir —"), *Destination.choices])
    destination_detail = forms.CharField(
        label="Précision (établissement d'accueil, adresse…)", max_length=200, required=False
    )


class DischargeSummaryForm(forms.Form):
    upload = forms.FileField(label="Compte rendu de sortie", help_text=f"Formats acceptés : {ACCEPTED_LABEL}.")
