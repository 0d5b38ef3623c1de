"""Uploads over the limits are refused while they stream in: nothing is saved, nothing of the
file stays on disk, and the user reads why (413)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring.models import Evidence, Scorecard
from tests.scoring.test_evidence import field, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # anything bigger goes to a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return tmp_path / "uploads"


def post_with_file(client, card, size: int):
    data = form_data(card, {"1": "2"})
    data[field(card, "6")] = SimpleUploadedFile(
        "ban-quet.pdf", b"%PDF-1.4\n" + b"0" * size, content_type="application/pdf"
    )
    return client.post(reverse("scoring:scorecard", args=[card.pk]), data)


def test_a_file_over_the_upload_limit_is_stopped_and_nothing_is_saved(
    staff_client, card, small_limits
):
    response = post_with_file(staff_client, card, 512 * 1024)

    html = response.content.decode()
    assert response.status_code == 413
    assert "The file “ban-quet.pdf” is larger than 64.0" in html
    assert Scorecard.objects.get(pk=card.pk).version == card.version
    assert not Evidence.objects.exists()
    assert list(small_limits.iterdir()) == []  # the part received was not kept


def test_a_body_over_the_request_limit_is_refused_before_it_is_read(staff_client, card, settings):
    settings.REQUEST_MAX_BYTES = 100 * 1024

    response = post_with_file(staff_client, card, 200 * 1024)

    assert response.status_code == 413
    assert "What was sent is larger than 100.0" in response.content.decode()
    assert Scorecard.objects.get(pk=card.pk).version == card.version


def test_a_file_under_the_limits_goes_through(staff_client, card, small_limits):
    response = post_with_file(staff_client, card, 8 * 1024)

    assert response.status_code == 302
    assert Evidence.objects.get().original_name == "ban-quet.pdf"
