from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("periods/<int:pk>/dashboard/", views.period_dashboard, name="period"),
    path("periods/<int:pk>/compare/", views.compare, name="compare"),
    path("units/<int:pk>/results/", views.unit_trend, name="unit"),
    path("provinces/<int:pk>/", views.province_view, name="province"),
]
