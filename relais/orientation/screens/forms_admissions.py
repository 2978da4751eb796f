"""Forms of the ESMS admission screens: the request's dates (planned entry, pre-admission interview) and the choice of
unit and entry day before confirming an admission. The rules are ``requests/schedule.py``'s; the forms show them at
their field (decision 0043)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from relais.orientation.requests.schedule import dates_errors, received_on
from relais.orientation.screens.forms import DATE

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DatesForm(forms.Form):
    planned_entry_on = forms.DateField(label="Date d'entrée prévue", required=False, widget=DATE)
    interview_at = forms.DateTimeField(
        label="Entretien de pré-admission (date et heure)",
        required=False,
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )

    def __init__(self, *args, admission_request=None, **kwargs):
        if admission_request is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "planned_entry_on": admission_request.planned_entry_on,
                "interview_at": timezone.localtime(admission_request.interview_at)
                if admission_request.interview_at
                else None,
            }
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-describedby", f"aide-{name}")


class AdmitForm(forms.Form):
    """GET form: which unit, from which day. Valid: the confirmation page is shown; else the choice, with errors."""

    unite = forms.TypedChoiceField(label="Unité", coerce=int, empty_value=None)
    entree = forms.DateField(label="Admis·e à partir du", widget=DATE)

    def __init__(self, *args, admission_request, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.admission_request = admission_request
        self.fields["unite"].choices = [
            (unit.pk, f"{unit.name} — {unit.available} place{'s' if unit.available > 1 else ''} disponible"
                      f"{'s' if unit.available > 1 else ''}")
            for unit in units
        ]  # fmt: skip
        self.units = {unit.pk: unit for unit in units}

    def clean(self):
        data = super().clean()
        day = data.get("entree")
        if day is not None:
            errors = dates_errors(
                received=received_on(self.admission_request),
                planned_entry_on=day,
                interview_at=self.admission_request.interview_at,
                today=timezone.localdate(),
            )
            for message in errors.get("planned_entry_on", []):
                self.add_error("entree", message)
            for message in errors.get("interview_at", []):
                self.add_error(
                    "entree",
                    message
                    + " Modifiez la date de l'entretien sur la page de la demande, ou choisissez un autre jour.",
                )
        return data

    @property
    def unit(self):
        return self.units.get(self.cleaned_data.get("unite"))
