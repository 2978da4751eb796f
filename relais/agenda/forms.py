"""Forms of the agenda screens (French labels; the services re-check everything)."""

from django import forms

from .models import SlotKind

WEEKDAYS = [(0, "Lundi"), (1, "Mardi"), (2, "Mercredi"), (3, "Jeudi"), (4, "Vendredi"), (5, "Samedi"), (6, "Dimanche")]


class OpeningForm(forms.Form):
    weekday = forms.TypedChoiceField(label="Jour", choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(label="De", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="À", widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label="Durée d'un créneau (minutes)", min_value=5, max_value=480, initial=30)
    kind = forms.ChoiceField(label="Type", choices=SlotKind.choices)
    video_link = forms.CharField(label="Lien de visioconférence (https)", required=False, max_length=500)
    first_day = forms.DateField(label="À partir du", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Jusqu'au", widget=forms.DateInput(attrs={"type": "date"}))


class SlotForm(forms.Form):
    start = forms.DateTimeField(label="Début", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=5, max_value=480, initial=30)
    kind = forms.ChoiceField(label="Type", choices=SlotKind.choices)
    video_link = forms.CharField(label="Lien de visioconférence (https)", required=False, max_length=500)


class BookForm(forms.Form):
    slot = forms.IntegerField(label="Créneau", widget=forms.HiddenInput)
    purpose = forms.CharField(label="Objet (sans donnée médicale)", required=False, max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Motif d'annulation", max_length=300)


class RescheduleForm(forms.Form):
    slot = forms.IntegerField(label="Nouveau créneau")
    reason = forms.CharField(label="Motif du déplacement", required=False, max_length=300)
