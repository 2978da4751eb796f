from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "relais.persons"
    label = "persons"
    verbose_name = "Personnes accompagnées"

    def ready(self):
        from relais.audit.labels import grounds_register

        grounds_register({"identity_vigilance": "Identitovigilance (doublons, correction, fusion)"})
