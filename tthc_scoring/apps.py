from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "tthc_scoring"
    verbose_name = "TTHC Scoring"

    def ready(self):
        from tthc_scoring import checks  # noqa: F401  (registers the system checks)
