"""Pages: "Mes notifications" (the user's own, mark as read), their e-mail preference, the organisation's opt-outs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import Delivery
from .registry import get_kind
from .selectors import notification_list_for, organisation_kind_settings, user_delivery, user_kind_preferences
from .services import (
    SETTINGS_ROLES,
    notification_mark_all_read,
    notification_mark_read,
    organisation_notification_setting_set,
    user_notification_preference_clear,
    user_notification_preference_set,
)

DEFAULT_CHOICES = [(value, label) for value, label in Delivery.choices if value != Delivery.OFF]


def inbox(request):
    notifications = notification_list_for(user=request.user)
    unread_only = request.GET.get("non_lues") == "1"
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "delivery_label": Delivery(user_delivery(user=request.user)).label,
            "may_edit_settings": request.actor is not None and request.actor.role in SETTINGS_ROLES,
        },
    )


@require_POST
def mark_read(request, pk: int):
    # Someone else's notification is a 404, exactly like a missing one.
    notification = get_object_or_404(notification_list_for(user=request.user), pk=pk)
    notification_mark_read(user=request.user, notification=notification)
    return redirect("notifications:inbox")


@require_POST
def mark_all_read(request):
    count = notification_mark_all_read(user=request.user)
    messages.success(request, f"{count} notification(s) marquée(s) comme lue(s).")
    return redirect("notifications:inbox")


def preferences(request):
    """The default way e-mails are sent, and one choice per kind (including "do not notify me")."""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        delivery = request.POST.get("delivery", "")
        if kind:
            return _kind_preference(request, kind, delivery)
        if delivery not in dict(DEFAULT_CHOICES):
            messages.error(request, "Choisissez un mode d'envoi dans la liste (champ « Envoi des e-mails »).")
        else:
            user_notification_preference_set(user=request.user, delivery=delivery)
            messages.success(request, "Préférence enregistrée.")
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "choices": DEFAULT_CHOICES,
            "kind_choices": Delivery.choices,
            "current": user_delivery(user=request.user),
            "rows": user_kind_preferences(user=request.user),
        },
    )


def _kind_preference(request, kind: str, delivery: str):
    try:
        label = get_kind(kind).label
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("notifications:preferences")
    if delivery == "":
        user_notification_preference_clear(user=request.user, kind=kind)
        messages.success(request, f"« {label} » : comme mon choix par défaut.")
    elif delivery not in Delivery.values:
        messages.error(request, f"« {label} » : choisissez un mode d'envoi dans la liste.")
    else:
        user_notification_preference_set(user=request.user, delivery=delivery, kind=kind)
        messages.success(request, f"« {label} » : {Delivery(delivery).label.lower()}.")
    return redirect("notifications:preferences")


def organisation_settings(request):
    actor = request.actor
    if actor is None or actor.role not in SETTINGS_ROLES:
        raise PermissionDenied
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            get_kind(kind)
        except ValueError as error:
            messages.error(request, str(error))
        else:
            enabled = request.POST.get("enabled") == "1"
            organisation_notification_setting_set(actor=actor, kind=kind, enabled=enabled)
            messages.success(
                request, f"« {get_kind(kind).label} » : {'activée' if enabled else 'désactivée'} pour l'organisation."
            )
            return redirect("notifications:organisation_settings")
    return render(
        request,
        "notifications/organisation_settings.html",
        {"rows": organisation_kind_settings(organisation=actor.organisation)},
    )
