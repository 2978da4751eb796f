"""Paging of REST lists: `?limit=&offset=`, with a maximum page size.

Without a maximum, `?limit=10401744039313106230456707186688` reached the database as a LIMIT too large for
its integer type (a 500). Like DRF's own max_limit, a larger limit is read as the maximum; a limit or offset
that is not a whole number falls back to the default.
"""

from rest_framework.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Pagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
    limit_query_description = f"Nombre de résultats par page (défaut {DEFAULT_LIMIT}, au plus {MAX_LIMIT})."
    offset_query_description = "Rang du premier résultat renvoyé (défaut 0)."

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.limit_query_param: {"minimum": 1}, self.offset_query_param: {"minimum": 0}}
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
