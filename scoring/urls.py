from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("scorecards/<int:pk>/", views.scorecard, name="scorecard"),
    path("scorecards/<int:pk>/submit/", views.submit, name="submit"),
    path("scorecards/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("scorecards/<int:pk>/no-tthc/", views.no_tthc, name="no_tthc"),
    path("scorecards/<int:pk>/history/", views.history, name="history"),
    path("scorecards/<int:pk>/review/", views.review, name="review"),
    path("scorecards/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("scorecards/<int:pk>/deadline/", views.extend_deadline, name="deadline"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("periods/open/", views.open_quarter, name="open_period"),
    path("periods/<int:pk>/", views.board, name="board"),
    path("periods/<int:pk>/close/", views.close_period, name="close_period"),
    path("periods/<int:pk>/board.xlsx", views.board_xlsx, name="board_xlsx"),
    path("periods/<int:pk>/approve/", views.bulk_approve, name="bulk_approve"),
    path("periods/<int:pk>/results/", views.results, name="results"),
]
