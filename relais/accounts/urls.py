from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path, reverse_lazy

from . import organisation_views, views

app_name = "accounts"


def public(view):
    return login_not_required(view)


urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("deux-facteurs/", views.two_factor, name="two_factor"),
    path("organisation/choisir/", views.switch_organisation, name="switch_organisation"),
    path("organisation/<int:pk>/", organisation_views.organisation_detail, name="organisation"),
    path(
        "organisation/<int:pk>/membres/<int:membership_pk>/desactiver/",
        organisation_views.membership_deactivate,
        name="membership_deactivate",
    ),
    path("clients-api/nouveau/", organisation_views.api_client_create, name="api_client_create"),
    path("clients-api/<int:pk>/revoquer/", organisation_views.api_client_revoke, name="api_client_revoke"),
    path(
        "mot-de-passe/oubli/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        public(auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        public(
            auth_views.PasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:password_reset_complete"),
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        public(auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")),
        name="password_reset_complete",
    ),
]
