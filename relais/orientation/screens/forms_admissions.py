"""Form of the ESMS admission screens: the request's dates (planned entry, pre-admission interview). The rules are
``requests/schedule.py``'s; the form shows them at their field (decision 0043)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

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
