"""Append-only tables (the access log, the status-change log): written once, never changed by the ORM.

Database triggers add a second guard where a table needs one (see audit migration 0002).
"""

from django.db import models


class AppendOnlyError(Exception):
    pass


def _refuse(model) -> AppendOnlyError:
    return AppendOnlyError(f"{model._meta.verbose_name.capitalize()} : ajout seul, ni modification ni suppression.")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise _refuse(self.model)

    def delete(self):
        raise _refuse(self.model)


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _refuse(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(self)
