"""Persons merge hook: the duplicate's evaluations (drafts and completed ones, AGGIR included) follow the kept
person. Nothing is unique per person, so every row moves as it is."""

from relais.evaluations.models import FormResponse


def evaluations_merge_hook(*, actor, keep, duplicate) -> None:
    FormResponse.objects.filter(person=duplicate).update(person=keep)
