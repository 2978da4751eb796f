"""Persons merge hook: notifications and subscriptions about the duplicate follow the kept person.

A subscription is unique per (user, organisation, person): when a user follows both records for the same
organisation, the kept person's subscription (and so the user's choice on it) stays and the duplicate's is deleted.
"""

from django.db.models import Q

from relais.notifications.models import Notification, Subscription


def notifications_merge_hook(*, actor, keep, duplicate) -> None:
    Notification.objects.filter(person=duplicate).update(person=keep)
    kept = set(Subscription.objects.filter(person=keep).values_list("user_id", "organisation_id"))
    clash = Q(pk__in=[])
    for user_id, organisation_id in kept:
        clash |= Q(user_id=user_id, organisation_id=organisation_id)
    Subscription.objects.filter(person=duplicate).filter(clash).delete()
    Subscription.objects.filter(person=duplicate).update(person=keep)
