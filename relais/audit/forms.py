"""The filters of an access history (period, who, kind), in French, for every page that shows one."""

from __future__ import annotations

from django import forms

from .selectors import KINDS, HistoryFilters


class HistoryFilterForm(forms.Form):
    start = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    who = forms.CharField(
        label="Qui ou pour quelle organisation",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(label="Nature de l'accès", required=False, choices=[("", "Toutes"), *KINDS.items()])

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "La fin de la période précède son début.")
        return data

    def filters(self) -> HistoryFilters:
        """The filters asked for; none when the form is not valid (its errors are shown at the fields)."""
        if not self.is_bound or not self.is_valid():
            return HistoryFilters()
        data = self.cleaned_data
        return HistoryFilters(start=data["start"], end=data["end"], who=data["who"].strip(), kind=data["kind"])
