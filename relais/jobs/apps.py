from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "relais.jobs"
    verbose_name = "Tâches de fond"

    def ready(self):
        # Every process must know every task, not only the worker (which djhuey's run_huey autodiscovers): the web
        # process deserializes a failed task to retry it, and enqueues tasks by name.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
