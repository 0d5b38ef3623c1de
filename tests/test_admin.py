"""Every model has an admin page an administrator can open, in Vietnamese."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

APPS = ["units", "criteria", "scoring", "reports"]


def test_every_model_of_the_apps_is_registered():
    models = [m for name in APPS for m in apps.get_app_config(name).get_models()]

    assert [m.__name__ for m in models if m not in admin.site._registry] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", [m for name in APPS for m in apps.get_app_config(name).get_models()], ids=str
)
def test_the_changelist_opens_for_an_administrator(admin_client, model, period):
    meta = model._meta

    response = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_admin_speaks_vietnamese(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert "Phiếu chấm điểm" in page
    assert "Quản trị" in page
