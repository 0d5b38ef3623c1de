"""Evidence files: uploaded with the scorecard form, checked by content, served privately."""

import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils.translation import override
from PIL import Image

from scoring.domain import Transition, add_evidence, transition
from scoring.files import check_evidence_file
from scoring.models import EventKind, Evidence, Scorecard, ScorecardStatus
from tests.clients import client_for, flashes, url
from tests.factories import self_score

S = ScorecardStatus
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_SAVED = "Nothing was saved: correct the marked fields."

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Biên bản niêm yết TTHC</w:t></w:r></w:p></w:body></w:document>"
)


# Files


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PDF")
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes(*, with_content_types: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if with_content_types:
            archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", DOCUMENT)
    return buffer.getvalue()


def upload(name: str, content: bytes, declared: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=declared)


# Helpers


def form_data(card: Scorecard, points: dict[str, str] | None = None) -> dict:
    points = points or {}
    data = {"version": card.version, "action": "save"}
    for score in card.scores.select_related("criterion"):
        current = "" if score.self_points is None else format(score.self_points.normalize(), "f")
        data[f"points_{score.criterion_id}"] = points.get(score.criterion.code, current)
        data[f"note_{score.criterion_id}"] = score.self_note
    return data


def field(card: Scorecard, code: str) -> str:
    return f"evidence_{card.scores.get(criterion__code=code).criterion_id}"


def state(card: Scorecard) -> tuple:
    fresh = Scorecard.objects.get(pk=card.pk)
    scores = sorted(fresh.scores.values_list("criterion__code", "self_points", "self_note"))
    return (fresh.status, fresh.version, fresh.events.count(), scores)


def body(response) -> bytes:
    content = b"".join(response.streaming_content)
    response.close()
    return content


def post_file(client: Client, card: Scorecard, name: str, content: bytes, code: str = "6", **kw):
    data = {**form_data(card, kw.pop("points", None)), field(card, code): upload(name, content)}
    return client.post(url(card), data)


# Accepted files


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Biên bản niêm yết.pdf", pdf_bytes(), "application/pdf"),
        ("anh-niem-yet.png", png_bytes(), "image/png"),
        ("bao-cao.docx", docx_bytes(), DOCX),
    ],
)
def test_a_real_file_is_stored_with_its_checksum_size_type_and_name(
    staff_client, staff, card, name, content, content_type
):
    response = post_file(staff_client, card, name, content)

    evidence = Evidence.objects.get()
    assert response.status_code == 302
    assert flashes(response) == ["Saved as a draft."]
    assert (evidence.score.criterion.code, evidence.uploaded_by) == ("6", staff)
    assert (evidence.original_name, evidence.size, evidence.content_type, evidence.sha256) == (
        name,
        len(content),
        content_type,
        hashlib.sha256(content).hexdigest(),
    )
    with evidence.file.open("rb") as stored:
        assert stored.read() == content


def test_an_upload_records_an_event_and_raises_the_version(staff_client, staff, card):
    content = pdf_bytes()

    post_file(staff_client, card, "bien-ban.pdf", content)

    card.refresh_from_db()
    event = card.events.last()
    assert card.version == 2
    assert (event.kind, event.actor, event.before) == (EventKind.EVIDENCE, staff, {})
    assert event.after == {
        "6": {
            "added": "bien-ban.pdf",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    }


def test_an_upload_is_saved_with_the_points_in_the_same_post(staff_client, card):
    post_file(staff_client, card, "bien-ban.pdf", pdf_bytes(), points={"6": "2"})

    score = card.scores.get(criterion__code="6")
    assert (score.self_points, score.evidence.count()) == (Decimal(2), 1)


def test_the_file_is_stored_under_a_content_derived_name(staff_client, card):
    content = pdf_bytes()
    digest = hashlib.sha256(content).hexdigest()

    post_file(staff_client, card, "../../etc/passwd.pdf", content)

    evidence = Evidence.objects.get()
    assert evidence.file.name == f"evidence/{card.period_id}/{digest[:2]}/{digest}"
    assert evidence.original_name == "passwd.pdf"


def test_evidence_satisfies_an_evidence_criterion_on_submit(staff_client, card):
    card = self_score(card, 2, note="")
    for code, name, content in [("5", "a.pdf", pdf_bytes()), ("6", "b.png", png_bytes())]:
        post_file(staff_client, card, name, content, code=code)
        card.refresh_from_db()
    post_file(staff_client, card, "c.docx", docx_bytes(), code="8")
    card.refresh_from_db()

    response = staff_client.post(url(card), {**form_data(card), "action": "submit"})

    card.refresh_from_db()
    assert flashes(response)[-1] == "Submitted for review."
    assert card.status == S.SUBMITTED


def test_a_file_exactly_at_the_limit_is_accepted(staff_client, card, settings):
    content = pdf_bytes()
    settings.EVIDENCE_MAX_BYTES = len(content)

    response = post_file(staff_client, card, "bien-ban.pdf", content)

    assert response.status_code == 302
    assert Evidence.objects.count() == 1


# Refused files


def refusals() -> list:
    zip_without_types = docx_bytes(with_content_types=False)
    return [
        # Django's FileField refuses an empty upload before the content checks run.
        pytest.param("empty.pdf", b"", "The submitted file is empty.", id="empty"),
        pytest.param(
            "setup.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 8,
            "The content of “setup.pdf” is not a .pdf file.",
            id="exe-renamed-pdf",
        ),
        pytest.param(
            "setup.png",
            b"MZ\x90\x00" + b"\x00" * 60,
            "The content of “setup.png” is not a .png file.",
            id="exe-renamed-png",
        ),
        pytest.param(
            "ghi-chu.txt",
            "Ghi chú".encode(),
            "“ghi-chu.txt” is not an accepted type. Accepted: "
            ".doc, .docx, .jpeg, .jpg, .pdf, .png, .ppt, .pptx, .xls, .xlsx.",
            id="txt",
        ),
        pytest.param(
            "bao-cao.docx",
            zip_without_types,
            "The content of “bao-cao.docx” is not a .docx file.",
            id="zip-renamed-docx",
        ),
        pytest.param(
            "bao-cao.docx",
            pdf_bytes(),
            "The content of “bao-cao.docx” is not a .docx file.",
            id="pdf-renamed-docx",
        ),
        pytest.param(
            "khong-duoi",
            pdf_bytes(),
            "“khong-duoi” is not an accepted type. Accepted: "
            ".doc, .docx, .jpeg, .jpg, .pdf, .png, .ppt, .pptx, .xls, .xlsx.",
            id="no-extension",
        ),
    ]


@pytest.mark.parametrize(("name", "content", "message"), refusals())
def test_a_refused_file_saves_nothing_and_says_why(staff_client, card, name, content, message):
    card = self_score(card, 1, evidence=False)
    before = state(card)

    response = post_file(staff_client, card, name, content, points={"1": "2"})

    assert response.status_code == 200
    assert flashes(response) == [NOT_SAVED]
    with override("en"):  # the language the page was shown in
        assert response.context["form"].errors == {field(card, "6"): [message]}
    assert Evidence.objects.count() == 0
    assert state(card) == before


def test_a_file_over_the_limit_saves_nothing_and_says_why(staff_client, card, settings):
    content = pdf_bytes()
    settings.EVIDENCE_MAX_BYTES = len(content) - 1
    before = state(card)

    response = post_file(staff_client, card, "lon.pdf", content, points={"1": "2"})

    with override("en"):
        sizes = filesizeformat(len(content)), filesizeformat(len(content) - 1)
    assert flashes(response) == [NOT_SAVED]
    with override("en"):  # the language the page was shown in
        assert response.context["form"].errors == {
            field(card, "6"): [f"The file “lon.pdf” is {sizes[0]}; the limit is {sizes[1]}."]
        }
    assert Evidence.objects.count() == 0
    assert state(card) == before


def test_the_declared_content_type_of_an_upload_is_not_trusted(staff_client, card):
    exe = SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" * 16, content_type="application/pdf")

    response = staff_client.post(url(card), {**form_data(card), field(card, "6"): exe})

    assert response.status_code == 200
    assert Evidence.objects.count() == 0


def test_an_upload_to_a_submitted_scorecard_saves_nothing(staff_client, card):
    card = transition(self_score(card, 2), Transition.SUBMIT)
    before, files = state(card), Evidence.objects.count()

    response = post_file(staff_client, card, "bien-ban.pdf", pdf_bytes())

    assert flashes(response) == ["This scorecard is submitted and cannot be changed now."]
    assert Evidence.objects.count() == files
    assert state(card) == before


# Serving


def attach(card: Scorecard, name: str, content: bytes, code: str = "6") -> Evidence:
    score = card.scores.get(criterion__code=code)
    file = upload(name, content)
    return add_evidence(score, file, check_evidence_file(file))


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        ("bien-ban.pdf", pdf_bytes(), "application/pdf", 'inline; filename="bien-ban.pdf"'),
        ("anh.png", png_bytes(), "image/png", 'inline; filename="anh.png"'),
        ("bao-cao.docx", docx_bytes(), DOCX, 'attachment; filename="bao-cao.docx"'),
    ],
)
def test_evidence_is_served_with_its_type_and_a_safe_disposition(
    staff_client, card, name, content, content_type, disposition
):
    evidence = attach(card, name, content)

    response = staff_client.get(reverse("scoring:evidence", args=[evidence.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert body(response) == content


def test_a_filename_containing_attachment_keeps_its_name(staff_client, card):
    evidence = attach(card, "attachment-1.pdf", pdf_bytes())

    response = staff_client.get(reverse("scoring:evidence", args=[evidence.pk]))

    assert response["Content-Disposition"] == 'inline; filename="attachment-1.pdf"'
    body(response)


def test_a_vietnamese_filename_is_encoded_in_the_disposition(staff_client, card):
    evidence = attach(card, "Biên bản.pdf", pdf_bytes())

    response = staff_client.get(reverse("scoring:evidence", args=[evidence.pk]))

    assert response["Content-Disposition"] == "inline; filename*=utf-8''Bi%C3%AAn%20b%E1%BA%A3n.pdf"
    body(response)


def test_the_reviewer_can_open_the_units_evidence(reviewer, card):
    evidence = attach(card, "bien-ban.pdf", pdf_bytes())

    response = client_for(reviewer).get(reverse("scoring:evidence", args=[evidence.pk]))

    assert response.status_code == 200
    body(response)


def test_another_units_staff_get_a_404_for_the_evidence(other_staff, card):
    evidence = attach(card, "bien-ban.pdf", pdf_bytes())

    response = client_for(other_staff).get(reverse("scoring:evidence", args=[evidence.pk]))

    assert response.status_code == 404


def test_evidence_has_no_public_media_url(card):
    evidence = attach(card, "bien-ban.pdf", pdf_bytes())

    assert django_settings.MEDIA_URL is None
    with pytest.raises(ValueError, match="not accessible via a URL"):
        evidence.file.url  # noqa: B018 - the property access is what is tested


def test_the_scorecard_page_links_evidence_through_the_checked_view(staff_client, card):
    evidence = attach(card, "bien-ban.pdf", pdf_bytes())

    response = staff_client.get(url(card))

    html = response.content.decode()
    assert f'href="{reverse("scoring:evidence", args=[evidence.pk])}"' in html
    assert evidence.file.name not in html


# Deleting


def test_evidence_is_removed_from_a_draft(staff_client, staff, card):
    evidence = attach(card, "bien-ban.pdf", pdf_bytes())
    card.refresh_from_db()
    version = card.version

    response = staff_client.post(reverse("scoring:evidence_delete", args=[evidence.pk]))

    card.refresh_from_db()
    event = card.events.last()
    assert response.status_code == 302
    assert response.url == url(card)
    assert flashes(response) == ["Evidence file removed."]
    assert Evidence.objects.count() == 0
    assert card.version == version + 1
    assert (event.kind, event.actor, event.after) == (EventKind.EVIDENCE, staff, {})
    assert event.before == {
        "6": {"removed": "bien-ban.pdf", "size": evidence.size, "sha256": evidence.sha256}
    }


def test_removing_evidence_from_a_submitted_scorecard_is_refused(staff_client, card):
    evidence = attach(card, "bien-ban.pdf", pdf_bytes())
    card = transition(self_score(card, 2), Transition.SUBMIT)
    before = state(card)

    response = staff_client.post(reverse("scoring:evidence_delete", args=[evidence.pk]))

    assert flashes(response) == ["This scorecard is submitted and cannot be changed now."]
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert state(card) == before


def test_a_reviewer_cannot_remove_the_units_evidence(reviewer, card):
    evidence = attach(card, "bien-ban.pdf", pdf_bytes())

    response = client_for(reviewer).post(reverse("scoring:evidence_delete", args=[evidence.pk]))

    assert response.status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_removing_evidence_needs_a_post(staff_client, card):
    evidence = attach(card, "bien-ban.pdf", pdf_bytes())

    response = staff_client.get(reverse("scoring:evidence_delete", args=[evidence.pk]))

    assert response.status_code == 405
    assert Evidence.objects.filter(pk=evidence.pk).exists()
