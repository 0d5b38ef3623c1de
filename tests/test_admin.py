"""Every model has an admin page an administrator can open, in Vietnamese."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from reports.domain import report_for
from reports.models import RenderJob
from scoring.models import MailFailure

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


@pytest.mark.django_db
def test_a_render_job_and_a_mail_failure_open_read_only(admin_client, card):
    job = RenderJob.objects.create(report=report_for(card.period), attempts=2)
    failure = MailFailure.objects.create(
        subject="Nộp phiếu", recipients="a@example.test", error="SMTPError: down", scorecard=card
    )

    job_page = admin_client.get(reverse("admin:reports_renderjob_change", args=[job.pk]))
    mail_page = admin_client.get(reverse("admin:scoring_mailfailure_change", args=[failure.pk]))

    assert (job_page.status_code, mail_page.status_code) == (200, 200)
    assert "SMTPError: down" in mail_page.content.decode()
    assert 'name="_save"' not in job_page.content.decode()


@pytest.mark.django_db
def test_the_change_pages_of_stored_files_open_and_link_only_to_checked_views(
    admin_client, card, staff
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.domain import add_evidence
    from scoring.files import check_evidence_file
    from scoring.models import ImportBatch, ImportKind

    upload = SimpleUploadedFile(
        "bien-ban.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
    )
    evidence = add_evidence(card.scores.first(), upload, check_evidence_file(upload), actor=staff)
    batch = ImportBatch.objects.create(
        kind=ImportKind.values[0], file_name="bieu-06.xlsx", sha256="0" * 64, file=upload.name
    )
    pages = {
        evidence: reverse("admin:scoring_evidence_change", args=[evidence.pk]),
        batch: reverse(f"admin:{batch._meta.app_label}_importbatch_change", args=[batch.pk]),
    }

    for url in pages.values():
        assert admin_client.get(url).status_code == 200
    html = admin_client.get(pages[evidence]).content.decode()
    assert f'href="{reverse("scoring:evidence", args=[evidence.pk])}"' in html
