"""Tell the OpenAPI schema how our authentication classes work."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "relais.api.authentication.ApiClientAuthentication"
    name = "jetonClientApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Jeton d'un client API (`manage.py api_client_create`), agissant pour une organisation.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "relais.api.authentication.VerifiedSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
