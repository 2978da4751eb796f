from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class NotificationsConfig(AppConfig):
    name = "relais.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from relais.persons.services import register_merge_hook

        from .merge import notifications_merge_hook

        # Each app declares its kinds in <app>/notification_kinds.py (see registry.py).
        autodiscover_modules("notification_kinds")
        register_merge_hook(notifications_merge_hook)  # the duplicate's rows follow the kept person (decision 0036)
