"""What an ESMS's admission team has to act on, for its home page: counts only (no person), each with the link to the
waiting list (or the proposals) that shows them. Scoped like the waiting list (``waiting_list_scope``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from relais.orientation.proposals.models import MatchProposal, ProposalStatus
from relais.orientation.requests import statuses as st
from relais.orientation.requests.schedule import DATES_OPEN
from relais.orientation.waiting_list.selectors import esms_sites_for, waiting_list_scope

INTERVIEWS_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class Todo:
    key: str
    count: int
    text: str  # the sentence after the count, singular and plural chosen
    url: str


def _list(**params) -> str:
    return f"{reverse('orientation:waiting_list')}?{urlencode(params)}"


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def admission_todo(actor) -> list[Todo] | None:
    """None when the actor runs no waiting list; else the new (unread) requests first, always, then each other thing
    to do that has at least one request."""
    sites = esms_sites_for(actor)
    if not sites:
        return None
    scope = waiting_list_scope(actor, sites)
    now = timezone.now()
    today = timezone.localdate()
    unread = scope.filter(status=st.NOTIFIED).count()
    todos = [
        Todo(
            "non-lues",
            unread,
            _plural(unread, "nouvelle demande non lue", "nouvelles demandes non lues"),
            _list(statut="non-lues", tri="envoi"),
        )
    ]
    counts = [
        (
            "a-repondre",
            scope.filter(status__in=(st.NOTIFICATION_READ, st.CONTACTED)).count(),
            ("demande lue attend votre réponse", "demandes lues attendent votre réponse"),
            _list(statut="a-repondre", tri="attente"),
        ),
        (
            "entretiens",
            scope.filter(status__in=DATES_OPEN, interview_at__gte=now, interview_at__lt=now + INTERVIEWS_AHEAD).count(),
            ("entretien de pré-admission dans les 7 jours", "entretiens de pré-admission dans les 7 jours"),
            _list(tri="entretien"),
        ),
        (
            "entrees",
            scope.filter(status__in=st.ESMS_ADMITTED_NOT_ENTERED, planned_entry_on__lte=today).count(),
            (
                "personne admise dont l'entrée prévue est arrivée : confirmez son entrée",
                "personnes admises dont l'entrée prévue est arrivée : confirmez leur entrée",
            ),
            _list(statut="admises", tri="entree"),
        ),
        (
            "admissibles",
            scope.filter(status=st.ADMISSIBLE).count(),
            ("personne admissible attend une place", "personnes admissibles attendent une place"),
            _list(statut="admissibles"),
        ),
        (
            "propositions",
            MatchProposal.objects.filter(
                request__in=scope, unit__site__in=[site.pk for site in sites], status=ProposalStatus.PROPOSED
            ).count(),
            ("proposition d'appariement à examiner", "propositions d'appariement à examiner"),
            reverse("orientation:proposals"),
        ),
    ]
    todos += [Todo(key, count, _plural(count, *texts), url) for key, count, texts, url in counts if count]
    return todos
