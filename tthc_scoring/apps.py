from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "tthc_scoring"
    verbose_name = "TTHC Scoring"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from tthc_scoring import checks  # noqa: F401  (registers the system checks)
        from tthc_scoring.middleware import end_privileged_sessions_with_the_browser

        user_logged_in.connect(end_privileged_sessions_with_the_browser)
