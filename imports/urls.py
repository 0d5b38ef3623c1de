from django.urls import path  # noqa: F401

from imports import sheet_views, views  # noqa: F401

app_name = "imports"

# Pages of the dossier statistics (views.py) and of the scoring sheets (sheet_views.py).
urlpatterns = []
