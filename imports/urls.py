from django.urls import path

from imports import sheet_views, views

app_name = "imports"

# Pages of the dossier statistics (views.py) and of the scoring sheets (sheet_views.py).
urlpatterns = []

# The dossier figures of a period: the page, its downloads, upload → preview → confirm/cancel.
urlpatterns += [
    path("periods/<int:pk>/figures/", views.figures_page, name="figures"),
    path(
        "periods/<int:pk>/figures/figures.xlsx",
        views.download,
        {"extension": "xlsx"},
        name="figures_xlsx",
    ),
    path(
        "periods/<int:pk>/figures/figures.csv",
        views.download,
        {"extension": "csv"},
        name="figures_csv",
    ),
    path("periods/<int:pk>/figures/upload/", views.upload, name="upload"),
    path("periods/<int:pk>/figures/confirm/", views.confirm, name="confirm"),
    path("periods/<int:pk>/figures/cancel/", views.cancel, name="cancel"),
]

# Scoring sheets: a unit's own scorecard, and a period's review (download, upload, confirm).
urlpatterns += [
    path("scorecards/<int:pk>/sheet/", sheet_views.unit_sheet, name="sheet"),
    path("scorecards/<int:pk>/sheet/upload/", sheet_views.unit_upload, name="sheet_upload"),
    path("scorecards/<int:pk>/sheet/confirm/", sheet_views.unit_confirm, name="sheet_confirm"),
    path("periods/<int:pk>/review-sheet/", sheet_views.review_sheet, name="review_sheet"),
    path(
        "periods/<int:pk>/review-sheet/upload/",
        sheet_views.review_upload,
        name="review_sheet_upload",
    ),
    path(
        "periods/<int:pk>/review-sheet/confirm/",
        sheet_views.review_confirm,
        name="review_sheet_confirm",
    ),
]
