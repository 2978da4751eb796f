"""Forms of the messaging screens (labels in French; the rules stay in the services and the policy)."""

from __future__ import annotations

from django import forms

from relais.pathway.access import matrix as m
from relais.pathway.access import uploads

from .models import ThreadKind
from .selectors import member_label


class RecipientField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return member_label(obj)


class ThreadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Nature",
        choices=ThreadKind.choices,
        initial=ThreadKind.EXCHANGE,
        widget=forms.RadioSelect,
        help_text="Un échange n'est lu que par vous et les destinataires choisis ; un partage au dossier est lu par "
        "tous les membres du cercle autorisés à consulter sa catégorie.",
    )
    recipients = RecipientField(
        label="Destinataires (pour un échange)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Seuls les membres actifs du cercle de soins, avec un compte Relais, peuvent être choisis.",
    )
    category = forms.ChoiceField(label="Catégorie de données", initial=m.MESSAGES)
    subject = forms.CharField(label="Objet", max_length=200)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000)
    attachment = forms.FileField(
        label="Pièce jointe", required=False, help_text=f"{uploads.ACCEPTED_LABEL}, 10 Mo au plus."
    )

    def __init__(self, *args, recipients, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = recipients
        self.fields["category"].choices = [(c, m.CATEGORIES[c].capitalize()) for c in categories]
        self.fields[
            "category"
        ].help_text = "« Données médicales » : seuls les destinataires autorisés à les lire peuvent être choisis."


class ReplyForm(forms.Form):
    body = forms.CharField(label="Votre réponse", widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)
    attachment = forms.FileField(
        label="Pièce jointe", required=False, help_text=f"{uploads.ACCEPTED_LABEL}, 10 Mo au plus."
    )
