from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class NotificationsConfig(AppConfig):
    name = "relais.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Each app declares its kinds in <app>/notification_kinds.py (see registry.py).
        autodiscover_modules("notification_kinds")
