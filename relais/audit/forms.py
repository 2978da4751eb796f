"""The filters of an access history (period, who, kind), in French, for every page that shows one."""

from __future__ import annotations

from django import forms

from .selectors import KINDS, HistoryFilters


class HistoryFilterForm(forms.Form):
    # French names: they are the page's query string (?du=…&au=…&qui=…&nature=…).
    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    qui = forms.CharField(
        label="Qui ou pour quelle organisation",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    nature = forms.ChoiceField(label="Nature de l'accès", required=False, choices=[("", "Toutes"), *KINDS.items()])

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", "La fin de la période précède son début.")
        return data

    def filters(self) -> HistoryFilters:
        """The filters asked for; none when the form is not valid (its errors are shown at the fields)."""
        if not self.is_bound or not self.is_valid():
            return HistoryFilters()
        data = self.cleaned_data
        return HistoryFilters(start=data["du"], end=data["au"], who=data["qui"].strip(), kind=data["nature"])
