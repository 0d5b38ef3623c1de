from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("periods/<int:pk>/report/", views.report, name="report"),
    path("periods/<int:pk>/report/approve/", views.approve, name="approve"),
    path("periods/<int:pk>/report/withdraw/", views.withdraw, name="withdraw"),
    path("periods/<int:pk>/report/sign/", views.sign, name="sign"),
    path("periods/<int:pk>/report/upload-signed/", views.upload_signed, name="upload_signed"),
    path(
        "periods/<int:pk>/report/documents/<int:document_pk>/",
        views.issued_document,
        name="issued_document",
    ),
    path("periods/<int:pk>/report/<str:kind>", views.download, name="download"),
    path("report-jobs/<int:pk>/", views.job, name="job"),
]
