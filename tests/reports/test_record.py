"""The report's workflow keeps a record: an append-only event for every change, and every PDF
it was issued as kept with its hash. A withdrawal needs a reason and forgets nothing.

Personas (tests/conftest.py): ``leader`` and ``reviewer`` of the small Tuần Giáo,
``outside_reviewer`` of a neighbouring district, ``staff`` of one of its communes.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from reports import domain, history, issuing, signing
from reports.documents import store_approved_pdf
from reports.models import (
    IssuedDocument,
    IssuedDocumentKind,
    Report,
    ReportEvent,
    ReportEventKind,
    ReportStatus,
)
from scoring.periods import open_period
from tests.clients import english
from tests.reports.conftest import (
    SIGNER,
    WITHDRAW_REASON,
    numbered,
    parse,
    read,
    report_state,
    stored_files,
    texts,
    workflow_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_leader(leader):
    leader.first_name, leader.last_name = "Nguyễn Văn", "A"
    leader.save(update_fields=["first_name", "last_name"])
    return leader


@pytest.fixture
def draft(scored_period, demo_signing) -> Report:
    """Numbered, dated and naming its signer: ready to approve."""
    return domain.edit(numbered(domain.report_for(scored_period)), {"signer_name": SIGNER})


@pytest.fixture
def reissued(draft, named_leader) -> Report:
    """Approved, withdrawn for a reason, approved again and signed, all by the leader."""
    report = domain.approve(draft, actor=named_leader)
    report = domain.withdraw(report, reason=WITHDRAW_REASON, actor=named_leader)
    report = domain.approve(report, actor=named_leader)
    return domain.sign(report, actor=named_leader)


def refused(function, *args, **kwargs) -> list[str]:
    with pytest.raises(domain.ReportError) as excinfo:
        function(*args, **kwargs)
    return excinfo.value.messages


def unchanged(report, settings):
    return report_state(report), workflow_record(report), stored_files(settings.MEDIA_ROOT)


def at(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"lúc {local:%H:%M} ngày {local:%d/%m/%Y}"


# ---------------------------------------------------------------------------------------------
# Issued documents


def test_every_issued_pdf_is_kept_with_its_hash_through_a_withdrawal(reissued):
    documents = list(reissued.documents.order_by("id"))

    assert [d.kind for d in documents] == ["approved", "approved", "signed"]
    assert [d.withdrawn_at is not None for d in documents] == [True, False, False]
    assert [signing.sha256(read(d.file)) for d in documents] == [d.sha256 for d in documents]
    assert [d.size for d in documents] == [len(read(d.file)) for d in documents]
    assert len({d.file.name for d in documents}) == 3
    assert (reissued.pdf.name, reissued.signed_pdf.name) == (
        documents[1].file.name,
        documents[2].file.name,
    )


def test_the_first_approved_pdf_is_still_the_one_its_withdrawal_recorded(draft, named_leader):
    first = domain.approve(draft, actor=named_leader)
    content, checksum = read(first.pdf), first.pdf_sha256
    report = domain.withdraw(first, reason=WITHDRAW_REASON, actor=named_leader)

    domain.approve(report, actor=named_leader)

    document = IssuedDocument.objects.order_by("id").first()
    withdrawn = ReportEvent.objects.get(kind=ReportEventKind.WITHDRAWN)
    assert (read(document.file), document.sha256) == (content, checksum)
    assert withdrawn.before["pdf_sha256"] == checksum


def test_issuing_the_same_bytes_twice_never_overwrites_a_file(approved_report):
    content = read(approved_report.pdf)

    first = issuing.issue(approved_report, IssuedDocumentKind.APPROVED, content, None)
    second = issuing.issue(approved_report, IssuedDocumentKind.APPROVED, content, None)

    assert first.file.name != second.file.name
    assert (read(first.file), read(second.file)) == (content, content)


def test_a_rendering_that_ends_after_a_withdrawal_issues_nothing(draft, settings):
    report = domain.approve(draft, inline=False)  # rendered later, e.g. by the worker
    stale = Report.objects.get(pk=report.pk)
    domain.withdraw(report, reason=WITHDRAW_REASON)
    before = unchanged(report, settings)

    store_approved_pdf(stale)

    assert unchanged(report, settings) == before
    assert IssuedDocument.objects.count() == 0


def test_a_rendering_that_runs_twice_issues_one_pdf(approved_report):
    store_approved_pdf(Report.objects.get(pk=approved_report.pk))

    assert approved_report.documents.count() == 1


# ---------------------------------------------------------------------------------------------
# Events


def test_each_transition_is_recorded_in_order_with_its_actor(reissued, named_leader):
    events = list(reissued.events.order_by("id"))

    assert [(e.kind, e.actor) for e in events] == [
        (ReportEventKind.EDITED, None),
        (ReportEventKind.EDITED, None),
        (ReportEventKind.APPROVED, named_leader),
        (ReportEventKind.WITHDRAWN, named_leader),
        (ReportEventKind.APPROVED, named_leader),
        (ReportEventKind.SIGNED, named_leader),
    ]
    assert [(e.before["status"], e.after["status"]) for e in events[2:]] == [
        ("draft", "approved"),
        ("approved", "draft"),
        ("draft", "approved"),
        ("approved", "signed"),
    ]


def test_withdrawing_keeps_who_approved_and_signed_in_its_event(reissued, named_leader):
    first_approval = reissued.events.filter(kind=ReportEventKind.APPROVED).first()
    signed = reissued.documents.get(kind=IssuedDocumentKind.SIGNED)

    report = domain.withdraw(reissued, reason="Ký nhầm bản", actor=named_leader)

    event = report.events.latest("id")
    leader = {"id": named_leader.pk, "name": "Nguyễn Văn A"}
    assert (event.kind, event.note, event.after) == (
        "withdrawn",
        "Ký nhầm bản",
        {"status": "draft"},
    )
    assert event.before == {
        "status": "signed",
        "approved_by": leader,
        "approved_at": reissued.approved_at.isoformat(),
        "pdf_sha256": reissued.pdf_sha256,
        "signed_by": leader,
        "signed_at": reissued.signed_at.isoformat(),
        "certificate_subject": signed.certificate_subject,
        "signed_sha256": signed.sha256,
    }
    assert first_approval.actor == named_leader
    assert report.documents.filter(withdrawn_at=None).count() == 0


def test_an_edit_records_each_changed_field_before_and_after(draft, reviewer):
    report = domain.edit(
        draft,
        {"number": "16", "issue_date": datetime.date(2021, 7, 6), "place": draft.place},
        actor=reviewer,
    )

    event = report.events.latest("id")
    assert (event.kind, event.actor) == (ReportEventKind.EDITED, reviewer)
    assert (event.before, event.after) == (
        {"number": "15", "issue_date": "2021-07-05"},
        {"number": "16", "issue_date": "2021-07-06"},
    )


def test_an_edit_that_changes_nothing_writes_nothing(draft, settings):
    before = unchanged(draft, settings)

    domain.edit(draft, {"number": "15", "place": draft.place})

    assert unchanged(draft, settings) == before


def test_redrafting_records_the_sections_it_rewrote(draft, reviewer):
    domain.edit(draft, {"issues": "- Viết tay."})

    report = domain.regenerate(draft, replace=["issues"], actor=reviewer)

    event = report.events.latest("id")
    assert (event.kind, event.actor, list(event.after)) == ("redrafted", reviewer, ["issues"])
    assert (event.before["issues"], event.after["issues"]) == ("- Viết tay.", report.issues)


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_withdrawing_without_a_reason_is_refused_and_changes_nothing(
    approved_report, settings, reason
):
    before = unchanged(approved_report, settings)

    with translation.override("vi"):
        messages = refused(domain.withdraw, approved_report, reason=reason)

    assert messages == ["Hãy ghi lý do hủy duyệt."]
    assert unchanged(approved_report, settings) == before


def sign_draft(report):
    return domain.sign(report)


def withdraw_draft(report):
    return domain.withdraw(report, reason=WITHDRAW_REASON)


def upload_to_draft(report):
    return domain.attach_signed(report, b"%PDF-1.7")


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (sign_draft, "Chỉ có thể ký số báo cáo đã được duyệt và chưa ký."),
        (withdraw_draft, "Báo cáo đang ở trạng thái nháp."),
        (upload_to_draft, "Chỉ có thể ký số báo cáo đã được duyệt và chưa ký."),
    ],
    ids=["sign", "withdraw", "upload"],
)
def test_a_transition_a_draft_does_not_allow_is_refused_in_vietnamese(
    draft, settings, action, message
):
    before = unchanged(draft, settings)

    with translation.override("vi"):
        messages = refused(action, draft)

    assert messages == [message]
    assert unchanged(draft, settings) == before


def test_approving_an_approved_report_again_is_refused_without_an_event(approved_report, settings):
    before = unchanged(approved_report, settings)

    with translation.override("vi"):
        messages = refused(domain.approve, approved_report)

    assert messages == ["Báo cáo đã được duyệt; vui lòng hủy duyệt trước khi thay đổi."]
    assert unchanged(approved_report, settings) == before


def test_signing_a_signed_report_again_is_refused_without_an_event(approved_report, settings):
    report = domain.sign(approved_report)
    before = unchanged(report, settings)

    with translation.override("vi"):
        messages = refused(domain.sign, report)

    assert messages == ["Chỉ có thể ký số báo cáo đã được duyệt và chưa ký."]
    assert unchanged(report, settings) == before


# ---------------------------------------------------------------------------------------------
# The report page


def test_the_report_page_tells_the_history_in_sentences(client, reissued, named_leader):
    approvals = list(reissued.events.filter(kind=ReportEventKind.APPROVED).order_by("id"))
    withdrawal = reissued.events.get(kind=ReportEventKind.WITHDRAWN)
    signature = reissued.events.get(kind=ReportEventKind.SIGNED)
    client.force_login(named_leader)

    page = client.get(reverse("reports:report", args=[reissued.period_id])).content.decode()

    lines = texts(page, "history", "p")
    assert lines[:4] == [
        f"Lãnh đạo Nguyễn Văn A ký số báo cáo {at(signature.created_at)} bằng chứng thư số "
        f"của cơ quan: {signing.DEMO_SIGNER}.",
        f"Lãnh đạo Nguyễn Văn A phê duyệt báo cáo {at(approvals[1].created_at)}.",
        f"Thu hồi phê duyệt: lý do: {WITHDRAW_REASON} (Lãnh đạo Nguyễn Văn A, "
        f"{at(withdrawal.created_at)}).",
        f"Lãnh đạo Nguyễn Văn A phê duyệt báo cáo {at(approvals[0].created_at)}.",
    ]
    assert lines[4].startswith("Hệ thống sửa báo cáo lúc ")
    assert lines[4].endswith(": họ và tên người ký.")


def test_an_uploaded_signed_copy_is_told_with_its_signer(
    approved_report, named_leader, signing_dir
):
    signed = signing.sign(
        read(approved_report.pdf),
        path=str(signing_dir / "demo-signer.p12"),
        password=signing.DEMO_PASSWORD,
    )
    report = domain.attach_signed(approved_report, signed.content, actor=named_leader)

    with translation.override("vi"):
        line = history.lines(report)[0]

    event = report.events.latest("id")
    assert line.sentence == (
        f"Lãnh đạo Nguyễn Văn A tải lên báo cáo đã được {signing.DEMO_SIGNER} ký số "
        f"{at(event.created_at)}."
    )


def test_the_report_page_lists_the_issued_documents(client, reissued, reviewer):
    first, second, signed = reissued.documents.order_by("id")
    client.force_login(reviewer)

    page = client.get(reverse("reports:report", args=[reissued.period_id])).content.decode()

    cells = texts(page, "issued-documents", "td")
    current = "Đang có hiệu lực"
    assert [cells[i : i + 5] for i in range(0, len(cells), 5)] == [
        [
            "PDF đã duyệt",
            when(first.created_at),
            "Nguyễn Văn A",
            kb(first),
            "Đã thu hồi lúc " + when(first.withdrawn_at),
        ],
        ["PDF đã duyệt", when(second.created_at), "Nguyễn Văn A", kb(second), current],
        [
            f"PDF đã ký số {signed.certificate_subject}",
            when(signed.created_at),
            "Nguyễn Văn A",
            kb(signed),
            current,
        ],
    ]


def when(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"


def kb(document: IssuedDocument) -> str:
    """The size as a Vietnamese page writes it: one decimal, with a decimal comma."""
    return f"{round(document.size / 1024, 1):.1f}".replace(".", ",") + " KB"


def test_withdrawing_through_the_page_asks_for_a_reason_first(client, approved_report, leader):
    english(client).force_login(leader)
    path = reverse("reports:withdraw", args=[approved_report.period_id])

    asked = client.post(path, {"reason": "  "})
    still = Report.objects.get(pk=approved_report.pk).status
    done = client.post(path, {"reason": WITHDRAW_REASON})

    assert asked.status_code == 200
    assert texts(asked.content.decode(), "withdraw", "span") == [
        "Write why the approval is withdrawn."
    ]
    assert (still, done.status_code) == (ReportStatus.APPROVED, 302)
    assert Report.objects.get(pk=approved_report.pk).status == ReportStatus.DRAFT
    assert ReportEvent.objects.get(kind=ReportEventKind.WITHDRAWN).note == WITHDRAW_REASON


def test_the_withdraw_form_warns_and_requires_a_reason_without_javascript(
    client, approved_report, leader
):
    english(client).force_login(leader)

    page = client.get(reverse("reports:report", args=[approved_report.period_id]))

    withdraw = parse(page.content.decode()).by_id("withdraw")
    assert [p.text() for p in withdraw.find_all("p")] == [
        "Withdrawing returns the report to draft so that it can be corrected and approved "
        "again. The PDFs issued so far stay in the list of issued documents, marked as "
        "withdrawn; approving again issues a new PDF from the data of that moment. The reason "
        "is kept in the report's history."
    ]
    (reason,) = withdraw.find_all("textarea")
    assert (reason.attrs["name"], "required" in reason.attrs) == ("reason", True)


# ---------------------------------------------------------------------------------------------
# Downloading an issued document


def document_url(document: IssuedDocument) -> str:
    return reverse("reports:issued_document", args=[document.report.period_id, document.pk])


@pytest.mark.parametrize("persona", ["named_leader", "reviewer"])
def test_the_district_downloads_a_withdrawn_document(client, request, reissued, persona):
    document = reissued.documents.order_by("id").first()
    client.force_login(request.getfixturevalue(persona))

    response = client.get(document_url(document))

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"] == (
        f'attachment; filename="bao-cao-{reissued.period.code}-{document.pk}.pdf"'
    )
    assert response.getvalue() == read(document.file)


@pytest.mark.parametrize("persona", ["outside_reviewer", "staff"])
def test_outsiders_get_a_404_for_an_issued_document(client, request, reissued, persona):
    document = reissued.documents.order_by("id").first()
    client.force_login(request.getfixturevalue(persona))

    response = client.get(document_url(document))

    assert response.status_code == 404


def test_a_document_of_another_report_of_the_district_is_a_404(
    client, reissued, named_leader, tuan_giao, criteria_set
):
    next_quarter = open_period(tuan_giao.district, 2021, 3, criteria_set)
    document = reissued.documents.first()
    client.force_login(named_leader)

    response = client.get(reverse("reports:issued_document", args=[next_quarter.pk, document.pk]))

    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Administration


def test_the_admin_shows_the_record_read_only(admin_client, reissued):
    page = admin_client.get(reverse("admin:reports_report_change", args=[reissued.pk]))
    add_event = admin_client.get(reverse("admin:reports_reportevent_add"))
    add_document = admin_client.get(reverse("admin:reports_issueddocument_add"))
    document = reissued.documents.first()
    delete_document = admin_client.post(
        reverse("admin:reports_issueddocument_delete", args=[document.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert WITHDRAW_REASON in page.content.decode()
    assert (add_event.status_code, add_document.status_code) == (403, 403)
    assert delete_document.status_code == 403
    assert IssuedDocument.objects.filter(pk=document.pk).exists()
