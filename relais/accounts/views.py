"""Login, two-factor authentication and the organisation switcher (thin: rules live in services)."""

import base64
import re
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from .forms import EmailAuthenticationForm, TokenForm
from .middleware import SESSION_KEY
from .selectors import membership_list_for_user
from .services import membership_choose


def _login_rate(group, request):
    return settings.RELAIS_LOGIN_RATE


@method_decorator(login_not_required, name="dispatch")
@method_decorator(ratelimit(key="ip", rate=_login_rate, method="POST", block=True), name="post")
@method_decorator(ratelimit(key="post:username", rate=_login_rate, method="POST", block=True), name="post")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


def _reset_rate(group, request):
    return settings.RELAIS_PASSWORD_RESET_RATE


def _reset_email(group, request):
    return request.POST.get("email", "").strip().lower()


RESET_LIMITED = (
    "Trop de demandes de réinitialisation en peu de temps, depuis votre connexion ou pour cette adresse e-mail. "
    "Patientez {wait} avant de réessayer ; si un e-mail vous a déjà été envoyé, utilisez le lien qu'il contient."
)
_UNITS = {"s": ("une seconde", "secondes"), "m": ("une minute", "minutes"), "h": ("une heure", "heures")}


def _wait_words(rate: str) -> str:
    """The period of a django-ratelimit rate, in words: "5/h" -> "une heure", "3/15m" -> "15 minutes"."""
    match = re.match(r"\s*\d+\s*/\s*(\d*)\s*([smhd])", rate or "")
    if not match:
        return "un moment"
    count, one, many = int(match.group(1) or 1), *_UNITS.get(match.group(2), ("un jour", "jours"))
    return f"{count} {many}" if count > 1 else one


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Each request sends an e-mail: limited per client address and per e-mail address (the same answer
    whether an account exists or not, so the limit reveals nothing)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        limited = [
            is_ratelimited(request, group="password-reset", key=key, rate=_reset_rate, method="POST", increment=True)
            for key in ("ip", _reset_email)
        ]
        if any(limited):
            form = self.get_form()
            form.add_error(None, RESET_LIMITED.format(wait=_wait_words(settings.RELAIS_PASSWORD_RESET_RATE)))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@ratelimit(key="user", rate=_login_rate, method="POST", block=True)
def two_factor(request):
    """Verify a TOTP code; on first use, enrol the device shown as a QR code."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="Application d'authentification", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            # django-otp slows down guessing: each failure doubles the wait.
            form.add_error("token", "Trop d'essais successifs : patientez quelques secondes avant de réessayer.")
        elif device.verify_token(form.cleaned_data["token"].strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_safe_next(request))
        else:
            form.add_error("token", "Code incorrect ou expiré. Vérifiez l'heure de votre téléphone et réessayez.")
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        context["qr"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor.html", context)


@require_POST
def switch_organisation(request):
    """Choose the organisation the user acts for; only one of the user's own memberships."""
    try:
        organisation_id = int(request.POST.get("organisation", ""))
    except ValueError:
        raise Http404 from None
    membership = membership_list_for_user(user=request.user).filter(organisation_id=organisation_id).first()
    if membership is None:
        raise Http404("Organisation introuvable.")
    request.session[SESSION_KEY] = membership.organisation_id
    membership_choose(membership=membership)
    messages.success(request, f"Vous agissez désormais pour {membership.organisation.name}.")
    return redirect("web:home")
