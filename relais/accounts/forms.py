from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .professions import ProfessionalCategory
from .roles import ROLES_BY_KIND, Role


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="Code à 6 chiffres",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Saisissez les 6 chiffres affichés par votre application."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail")
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    professional_category = forms.ChoiceField(label="Catégorie professionnelle", choices=ProfessionalCategory.choices)
    role = forms.ChoiceField(label="Rôle")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ROLES_BY_KIND[organisation.kind]
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in allowed]


class ApiClientForm(forms.Form):
    name = forms.CharField(label="Nom du client (logiciel, éditeur)", max_length=120)
