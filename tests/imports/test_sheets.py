"""Scoring sheets: a unit downloads its scorecard as a workbook, fills it offline and uploads
it (preview, confirm → a draft save through the domain); a reviewer does the same for every
unit of a period. Stale sheets, refused values, other units' scorecards: nothing changes.

Requests carry the language cookie "en" (messages compare with their msgids) except where a
test reads the Vietnamese text.
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from imports.domain import ImportRefused
from imports.sheet_imports import apply_review_sheet, apply_unit_sheet
from scoring.domain import Entry, Transition, record_review, transition
from scoring.models import (
    EventKind,
    ImportBatch,
    ImportKind,
    PeriodStatus,
    Scorecard,
    ScorecardStatus,
)
from scoring.periods import open_period
from tests.clients import client_for, flashes
from tests.factories import MembershipFactory, criterion_ids, self_score
from units.models import Role

STALE = "Someone else saved this scorecard after you opened it. Reload the page and try again."
CODES = [str(n) for n in range(1, 10)]


@pytest.fixture(autouse=True)
def default_language():
    """The English client's requests leave English active in this thread: put back the default
    (Vietnamese) so later tests that read Vietnamese messages are not affected."""
    yield
    translation.deactivate()


# Helpers


def get_sheet(client, name: str, pk: int) -> Workbook:
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def header_row(ws, first: str = "Criterion code") -> tuple[int, dict[str, int]]:
    """The table's header row and its columns by header text."""
    for row in ws.iter_rows():
        texts = {cell.value: cell.column for cell in row if cell.value is not None}
        if first in texts:
            return row[0].row, texts
    raise AssertionError("no header row")


def facts(ws, first: str = "Criterion code") -> dict:
    """The header block: label in column A → value in column C."""
    top, _columns = header_row(ws, first)
    return {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(2, top)}


def rows(ws, first: str = "Criterion code") -> list[dict]:
    top, columns = header_row(ws, first)
    return [
        {header: ws.cell(r, column).value for header, column in columns.items()}
        for r in range(top + 1, ws.max_row + 1)
    ]


def fill(book: Workbook, changes: dict, key: str = "Criterion code", unit: str | None = None):
    """Write ``changes`` ({criterion code: {header: value}}) into the rows of that criterion
    (and unit, on a review sheet); returns the workbook's bytes."""
    ws = book.active
    top, columns = header_row(ws, "Unit code" if unit is not None else key)
    for r in range(top + 1, ws.max_row + 1):
        code = ws.cell(r, columns["Criterion code"]).value
        if unit is not None and ws.cell(r, columns["Unit code"]).value != unit:
            continue
        for header, value in changes.get(code, {}).items():
            ws.cell(r, columns[header]).value = value
    return save(book)


def save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, name: str, pk: int, content: bytes, filename: str = "bang-diem.xlsx"):
    return client.post(reverse(name, args=[pk]), {"file": SimpleUploadedFile(filename, content)})


def token_of(response) -> str:
    return response.context["staged"]["token"].value()


def file_errors(response) -> list[str]:
    return list(response.context["form"].errors.get("file", []))


def scores(card: Scorecard) -> list[tuple]:
    return sorted(
        card.scores.values_list("criterion__code", "self_points", "self_note", "reviewed_points")
    )


def snapshot(*cards: Scorecard) -> list:
    """Everything an import could change, to compare before and after."""
    fresh = Scorecard.objects.filter(pk__in=[c.pk for c in cards]).order_by("pk")
    return [(c.status, c.version, c.self_total, c.events.count(), scores(c)) for c in fresh] + [
        ImportBatch.objects.count()
    ]


def submitted(card: Scorecard, points=1) -> Scorecard:
    self_score(card, points)
    return transition(card, Transition.SUBMIT)


# ---------------------------------------------------------------------------------------------
# The unit's sheet: download


def test_the_sheet_names_the_unit_the_quarter_the_set_and_the_version(staff_client, card):
    card = self_score(card, 1)

    ws = get_sheet(staff_client, "imports:sheet", card.pk).active

    found = facts(ws)
    assert found["Unit"] == f"{card.unit.name} ({card.unit.code})"
    assert found["Period"] == "Quarter II of 2021"
    assert found["Criteria set"] == str(card.period.criteria_set)
    assert found["Scorecard no."] == card.pk
    assert found["Scorecard version"] == card.version
    assert "for this scorecard only" in ws.cell(header_row(ws)[0] - 2, 1).value


def test_the_sheet_has_one_row_per_criterion_with_the_current_points_and_explanation(
    staff_client, card
):
    card = self_score(card, [2, 1, 0, 2, 1, 0, 2, 1, None], note="Theo sổ")

    listed = rows(get_sheet(staff_client, "imports:sheet", card.pk).active)

    expected = [
        (s.criterion.code, s.criterion.title, s.criterion.guidance, 2, "0; 1; 2")
        for s in card.scores.select_related("criterion").order_by("criterion__order")
    ]
    assert [
        (
            r["Criterion code"],
            r["Criterion"],
            r["How to score"],
            r["Maximum points"],
            r["Allowed points"],
        )
        for r in listed
    ] == expected
    assert [r["Self points"] for r in listed] == [2, 1, 0, 2, 1, 0, 2, 1, None]
    assert [r["Explanation"] for r in listed] == ["Theo sổ"] * 9


def test_the_points_column_offers_the_allowed_points_as_a_drop_down(staff_client, card):
    ws = get_sheet(staff_client, "imports:sheet", card.pk).active
    top, columns = header_row(ws)
    letter = ws.cell(top, columns["Self points"]).column_letter

    (validation,) = ws.data_validations.dataValidation

    assert validation.type == "list"
    assert validation.formula1 == '"0,1,2"'
    assert str(validation.sqref) == f"{letter}{top + 1}:{letter}{top + 9}"
    assert validation.showErrorMessage


def test_only_the_points_and_explanations_can_be_edited(staff_client, card):
    ws = get_sheet(staff_client, "imports:sheet", card.pk).active
    top, columns = header_row(ws)

    assert ws.protection.sheet
    locked = {h: ws.cell(top + 1, c).protection.locked for h, c in columns.items()}
    assert locked == {
        "Criterion code": True,
        "Criterion": True,
        "How to score": True,
        "Maximum points": True,
        "Allowed points": True,
        "Self points": False,
        "Explanation": False,
    }


def test_an_explanation_that_looks_like_a_formula_is_written_as_text(staff_client, card):
    self_score(card, 1, note='=HYPERLINK("http://x")')

    ws = get_sheet(staff_client, "imports:sheet", card.pk).active
    top, columns = header_row(ws)
    cell = ws.cell(top + 1, columns["Explanation"])

    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_the_sheet_speaks_vietnamese_by_default(staff, card):
    client = Client()
    client.force_login(staff)

    ws = get_sheet(client, "imports:sheet", card.pk).active

    _top, columns = header_row(ws, "Mã tiêu chí")
    assert {"Mã tiêu chí", "Tiêu chí", "Điểm tự chấm", "Giải trình"} <= set(columns)
    assert ws.cell(1, 1).value == "BẢNG TỰ CHẤM ĐIỂM GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"


# The unit's sheet: upload, preview, confirm


def test_the_preview_lists_each_change_and_changes_nothing_yet(staff_client, card):
    card = self_score(card, 1)
    book = get_sheet(staff_client, "imports:sheet", card.pk)
    content = fill(book, {"3": {"Self points": 2}, "7": {"Explanation": "Có sổ theo dõi"}})
    before = snapshot(card)

    response = upload(staff_client, "imports:sheet_upload", card.pk, content)

    assert response.status_code == 200
    changes = response.context["read"].cards[0].changes
    assert [(c.criterion.code, c.old_points, c.new_points, c.new_text) for c in changes] == [
        ("3", Decimal("1.00"), Decimal(2), "Theo sổ theo dõi hồ sơ"),
        ("7", Decimal("1.00"), Decimal(1), "Có sổ theo dõi"),
    ]
    html = response.content.decode()
    assert 'id="change-3"' in html and 'id="change-7"' in html and 'id="change-1"' not in html
    assert "Có sổ theo dõi" in html
    assert snapshot(card) == before


def test_confirming_saves_a_draft_through_the_domain_and_records_the_import(staff, card):
    client = client_for(staff)
    card = self_score(card, 1)
    content = fill(get_sheet(client, "imports:sheet", card.pk), {"3": {"Self points": 2}})
    preview = upload(client, "imports:sheet_upload", card.pk, content, "bang-diem-quy-2.xlsx")

    response = client.post(
        reverse("imports:sheet_confirm", args=[card.pk]),
        {"token": token_of(preview), "action": "confirm"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:scorecard", args=[card.pk])
    assert flashes(response) == [
        "Saved as a draft from “bang-diem-quy-2.xlsx”: 1 of 9 criteria changed."
    ]
    saved = Scorecard.objects.get(pk=card.pk)
    assert (saved.status, saved.version, saved.self_total) == (
        ScorecardStatus.DRAFT,
        card.version + 1,
        Decimal(10),
    )
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.file_name, batch.imported_by, batch.period) == (
        ImportKind.SCORE_SHEET,
        "bang-diem-quy-2.xlsx",
        staff,
        card.period,
    )
    assert (batch.rows, batch.changed, batch.unchanged) == (9, 1, 8)
    assert batch.file.read() == content
    event = saved.events.latest("id")
    assert (event.kind, event.import_batch, event.actor) == (EventKind.SELF_SCORED, batch, staff)
    assert event.after == {"3": {"points": "2.00", "note": "Theo sổ theo dõi hồ sơ"}}
    assert "bang-diem-quy-2.xlsx" in event.note


def test_the_history_says_the_save_came_from_the_sheet(staff_client, card):
    content = fill(get_sheet(staff_client, "imports:sheet", card.pk), {"1": {"Self points": 2}})
    preview = upload(staff_client, "imports:sheet_upload", card.pk, content, "offline.xlsx")
    staff_client.post(
        reverse("imports:sheet_confirm", args=[card.pk]), {"token": token_of(preview)}
    )

    response = staff_client.get(reverse("scoring:history", args=[card.pk]))

    batch = ImportBatch.objects.get()
    assert f"From the scoring sheet “offline.xlsx” (import no. {batch.pk})." in (
        response.content.decode()
    )


def test_a_sheet_that_changes_nothing_offers_nothing_to_confirm(staff_client, card):
    content = save(get_sheet(staff_client, "imports:sheet", card.pk))

    response = upload(staff_client, "imports:sheet_upload", card.pk, content)

    assert response.context["read"].cards == []
    assert 'id="sheet-unchanged"' in response.content.decode()
    assert 'id="sheet-confirm"' not in response.content.decode()


def test_cancelling_changes_nothing_and_drops_the_upload(staff_client, card):
    content = fill(get_sheet(staff_client, "imports:sheet", card.pk), {"1": {"Self points": 2}})
    token = token_of(upload(staff_client, "imports:sheet_upload", card.pk, content))
    before = snapshot(card)
    confirm = reverse("imports:sheet_confirm", args=[card.pk])

    cancelled = staff_client.post(confirm, {"token": token, "action": "cancel"})
    again = staff_client.post(confirm, {"token": token, "action": "confirm"})

    assert flashes(cancelled) == ["Cancelled: nothing was changed."]
    assert flashes(again)[-1] == "The uploaded sheet is no longer here: upload it again."
    assert snapshot(card) == before


# The unit's sheet: refused


def test_a_sheet_downloaded_before_someone_else_saved_is_refused(staff_client, card):
    book = get_sheet(staff_client, "imports:sheet", card.pk)
    card = self_score(card, 1, note="Đồng nghiệp đã lưu")  # someone else saves meanwhile
    content = fill(book, {"2": {"Self points": 2}})
    before = snapshot(card)

    response = upload(staff_client, "imports:sheet_upload", card.pk, content)

    assert file_errors(response) == [
        STALE,
        "Download the sheet again, copy your entries into it and upload it.",
    ]
    assert "read" not in response.context
    assert snapshot(card) == before


def test_a_save_between_the_preview_and_the_confirmation_refuses_the_sheet(staff_client, card):
    content = fill(get_sheet(staff_client, "imports:sheet", card.pk), {"2": {"Self points": 2}})
    preview = upload(staff_client, "imports:sheet_upload", card.pk, content)
    card = self_score(card, 0, note="Đồng nghiệp đã lưu")
    before = snapshot(card)

    response = staff_client.post(
        reverse("imports:sheet_confirm", args=[card.pk]), {"token": token_of(preview)}
    )

    assert response["Location"] == reverse("imports:sheet_upload", args=[card.pk])
    assert STALE in flashes(response)
    assert snapshot(card) == before


def test_the_domain_refuses_a_sheet_when_a_save_races_the_confirmation(staff, card):
    """The page read the card at the sheet's version; someone saves before the domain locks
    it: ``save_self_assessment`` itself refuses the stale version."""
    as_read = Scorecard.objects.select_related("period").get(pk=card.pk)
    read_scores = list(as_read.scores.select_related("criterion").order_by("criterion__order"))
    content = fill(
        get_sheet(client_for(staff), "imports:sheet", card.pk), {"2": {"Self points": 2}}
    )
    self_score(card, 0, note="Đồng nghiệp đã lưu")
    before = snapshot(card)

    with translation.override("en"), pytest.raises(ImportRefused) as refused:
        apply_unit_sheet(as_read, read_scores, "bang.xlsx", content, actor=staff)

    assert refused.value.messages == [
        STALE,
        "Download the sheet again, copy your entries into it and upload it.",
    ]
    assert snapshot(card) == before


def test_points_not_allowed_and_unknown_codes_are_refused_naming_row_and_column(staff_client, card):
    book = get_sheet(staff_client, "imports:sheet", card.pk)
    top, _columns = header_row(book.active)
    content = fill(
        book, {"2": {"Self points": 3, "Criterion code": "99"}, "4": {"Self points": "hai"}}
    )
    before = snapshot(card)

    response = upload(staff_client, "imports:sheet_upload", card.pk, content)

    assert file_errors(response) == [
        f"Row {top + 2}, column “Criterion code”: there is no criterion “99” in this criteria set.",
        f"Row {top + 4}, column “Self points”: “hai” is not a number of points.",
    ]
    assert snapshot(card) == before


def test_a_point_value_the_criterion_does_not_allow_is_refused_in_vietnamese(staff, card):
    client = Client()
    client.force_login(staff)
    book = get_sheet(client, "imports:sheet", card.pk)
    top, columns = header_row(book.active, "Mã tiêu chí")
    book.active.cell(top + 3, columns["Điểm tự chấm"]).value = 1.5
    before = snapshot(card)

    response = upload(client, "imports:sheet_upload", card.pk, save(book))

    assert file_errors(response) == [
        f"Dòng {top + 3}, cột “Điểm tự chấm”: Tiêu chí 3: điểm phải là một trong các mức 0, 1, 2."
    ]
    assert snapshot(card) == before


def test_a_criterion_twice_is_refused(staff_client, card):
    book = get_sheet(staff_client, "imports:sheet", card.pk)
    top, columns = header_row(book.active)
    book.active.cell(top + 2, columns["Criterion code"]).value = "1"

    response = upload(staff_client, "imports:sheet_upload", card.pk, save(book))

    assert file_errors(response) == [
        f"Row {top + 2}, column “Criterion code”: criterion 1 is already on row {top + 1}."
    ]


def test_the_sheet_of_another_scorecard_is_refused(staff, staff_client, card, tuan_giao):
    MembershipFactory(user=staff, unit=tuan_giao.communes[2])
    other = card.period.scorecards.get(unit=tuan_giao.communes[2])
    content = fill(get_sheet(staff_client, "imports:sheet", other.pk), {"1": {"Self points": 2}})
    before = snapshot(card, other)

    response = upload(staff_client, "imports:sheet_upload", card.pk, content)

    assert file_errors(response) == [
        f"This sheet belongs to another scorecard (no. {other.pk}). Download the sheet of this "
        "scorecard from its page."
    ]
    assert snapshot(card, other) == before


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bang.xlsx", b"%PDF-1.7 not a workbook", "is not an Excel (.xlsx) workbook"),
        ("bang.pdf", b"%PDF-1.7", "is not a table file"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(staff_client, card, name, content, expected):
    response = upload(staff_client, "imports:sheet_upload", card.pk, content, name)

    (error,) = file_errors(response)
    assert expected in error


def test_a_table_that_is_not_a_scoring_sheet_is_refused(staff_client, card):
    book = Workbook()
    book.active.append(["unit", "year"])
    book.active.append(["X", 2021])

    response = upload(staff_client, "imports:sheet_upload", card.pk, save(book))

    (error,) = file_errors(response)
    assert error.startswith("“bang-diem.xlsx” is not a scoring sheet from this site")


def test_a_submitted_scorecard_cannot_be_changed_from_a_sheet(staff_client, card):
    content = fill(get_sheet(staff_client, "imports:sheet", card.pk), {"1": {"Self points": 0}})
    card = submitted(card, 2)
    before = snapshot(card)

    page = staff_client.get(reverse("imports:sheet_upload", args=[card.pk]))
    download = staff_client.get(reverse("imports:sheet", args=[card.pk]))
    response = upload(staff_client, "imports:sheet_upload", card.pk, content)

    locked = "This scorecard is submitted and cannot be changed now."
    assert 'id="not-editable"' in page.content.decode()
    assert 'id="sheet-upload"' not in page.content.decode()
    assert download.status_code == 302 and flashes(download) == [locked]
    assert file_errors(response) == [locked]
    assert snapshot(card) == before


@pytest.mark.parametrize("name", ["imports:sheet", "imports:sheet_upload"])
def test_another_units_staff_get_a_404(other_staff, card, name):
    response = client_for(other_staff).get(reverse(name, args=[card.pk]))

    assert response.status_code == 404


def test_another_units_staff_cannot_confirm_an_upload(staff_client, other_staff, card):
    content = fill(get_sheet(staff_client, "imports:sheet", card.pk), {"1": {"Self points": 2}})
    token = token_of(upload(staff_client, "imports:sheet_upload", card.pk, content))
    before = snapshot(card)

    response = client_for(other_staff).post(
        reverse("imports:sheet_confirm", args=[card.pk]), {"token": token}
    )

    assert response.status_code == 404
    assert snapshot(card) == before


# ---------------------------------------------------------------------------------------------
# The reviewer's sheet


@pytest.fixture
def two_submitted(period, tuan_giao) -> list[Scorecard]:
    """The first two communes' scorecards, scored 1 everywhere and submitted."""
    return [submitted(period.scorecards.get(unit=u)) for u in tuan_giao.communes[:2]]


def review_rows(ws) -> list[dict]:
    return rows(ws, "Unit code")


def test_the_review_sheet_has_a_row_per_unit_and_criterion_with_version_and_status(
    reviewer_client, period, two_submitted
):
    ws = get_sheet(reviewer_client, "imports:review_sheet", period.pk).active

    listed = review_rows(ws)
    cards = list(period.scorecards.select_related("unit").order_by("unit__order"))
    assert [(r["Unit code"], r["Criterion code"]) for r in listed] == [
        (c.unit.code, code) for c in cards for code in CODES
    ]
    first = two_submitted[0]
    mine = [r for r in listed if r["Unit code"] == first.unit.code]
    assert {
        (r["Unit"], r["Self points"], r["Explanation"], r["Version"], r["Status"]) for r in mine
    } == {(first.unit.name, 1, "Theo sổ theo dõi hồ sơ", first.version, "Submitted")}
    assert facts(ws, "Unit code")["Period no."] == period.pk


def test_only_submitted_scorecards_review_cells_are_open(reviewer_client, period, two_submitted):
    ws = get_sheet(reviewer_client, "imports:review_sheet", period.pk).active
    top, columns = header_row(ws, "Unit code")

    open_units = {
        ws.cell(r, columns["Unit code"]).value
        for r in range(top + 1, ws.max_row + 1)
        if not ws.cell(r, columns["Reviewed points"]).protection.locked
    }

    assert open_units == {c.unit.code for c in two_submitted}
    (validation,) = ws.data_validations.dataValidation
    assert validation.formula1 == '"0,1,2"'


def test_the_review_sheet_is_read_in_the_same_number_of_queries_whatever_the_units(
    period, other_district, criteria_set, reviewer, outside_reviewer
):
    small = open_period(other_district.district, 2021, 2, criteria_set)  # 3 units against 5

    def queries(user, target) -> int:
        client = client_for(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("imports:review_sheet", args=[target.pk])).status_code == 200
        return len(captured)

    assert queries(reviewer, period) == queries(outside_reviewer, small)


def test_a_reviewer_previews_and_saves_the_reviews_of_several_units(
    reviewer, period, two_submitted
):
    client = client_for(reviewer)
    a, b = two_submitted
    book = get_sheet(client, "imports:review_sheet", period.pk)
    fill(book, {"3": {"Reviewed points": 0, "Reason for the change": "Thiếu sổ"}}, unit=a.unit.code)
    content = fill(
        book,
        {
            "5": {"Reviewed points": 1},
            "6": {"Reviewed points": 2, "Reason for the change": "Có minh chứng"},
        },
        unit=b.unit.code,
    )

    preview = upload(client, "imports:review_sheet_upload", period.pk, content, "tham-dinh.xlsx")
    response = client.post(
        reverse("imports:review_sheet_confirm", args=[period.pk]), {"token": token_of(preview)}
    )

    shown = {
        g.card.unit.code: [(c.criterion.code, c.new_points) for c in g.changes]
        for g in preview.context["read"].cards
    }
    assert shown == {a.unit.code: [("3", 0)], b.unit.code: [("5", 1), ("6", 2)]}
    assert response["Location"] == reverse("scoring:board", args=[period.pk])
    assert flashes(response) == [
        "Review saved from “tham-dinh.xlsx”: 3 criteria changed on 2 scorecards."
    ]
    reviewed = {
        (s.scorecard.unit.code, s.criterion.code): (s.reviewed_points, s.review_reason)
        for s in period.scorecards.get(pk=a.pk).scores.exclude(reviewed_points=None)
    } | {
        (s.scorecard.unit.code, s.criterion.code): (s.reviewed_points, s.review_reason)
        for s in period.scorecards.get(pk=b.pk).scores.exclude(reviewed_points=None)
    }
    assert reviewed == {
        (a.unit.code, "3"): (0, "Thiếu sổ"),
        (b.unit.code, "5"): (1, ""),
        (b.unit.code, "6"): (2, "Có minh chứng"),
    }
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.period, batch.changed) == (ImportKind.SCORE_SHEET, period, 3)
    events = batch.scorecard_events.all()
    assert sorted(e.scorecard_id for e in events) == sorted([a.pk, b.pk])
    assert {e.kind for e in events} == {EventKind.REVIEWED}


def test_a_unit_saved_between_preview_and_confirmation_refuses_the_whole_review_sheet(
    reviewer_client, period, two_submitted
):
    a, b = two_submitted
    book = get_sheet(reviewer_client, "imports:review_sheet", period.pk)
    fill(book, {"3": {"Reviewed points": 0, "Reason for the change": "Thiếu sổ"}}, unit=a.unit.code)
    content = fill(
        book, {"5": {"Reviewed points": 0, "Reason for the change": "X"}}, unit=b.unit.code
    )
    preview = upload(reviewer_client, "imports:review_sheet_upload", period.pk, content)
    # Another reviewer saves unit b's review between the preview and the confirmation.
    record_review(b, {criterion_ids(b)["9"]: Entry(Decimal(2), "Đã xác minh")})
    before = snapshot(a, b)

    response = reviewer_client.post(
        reverse("imports:review_sheet_confirm", args=[period.pk]), {"token": token_of(preview)}
    )

    assert response["Location"] == reverse("imports:review_sheet_upload", args=[period.pk])
    assert flashes(response)[0] == (
        "These units' scorecards were saved after the sheet was downloaded, so nothing was "
        f"changed: {b.unit.name}."
    )
    assert snapshot(a, b) == before


def test_one_card_refused_by_the_domain_undoes_the_reviews_already_saved(
    reviewer, period, two_submitted
):
    """The cards were read before unit b was saved (a save racing the confirmation): unit a's
    review goes through the domain first, b's is refused there, and a's is rolled back."""
    a, b = two_submitted
    cards = list(
        period.scorecards.select_related("unit")
        .prefetch_related("scores__criterion")
        .order_by("unit__order")
    )
    book = get_sheet(client_for(reviewer), "imports:review_sheet", period.pk)
    fill(book, {"3": {"Reviewed points": 0, "Reason for the change": "Thiếu sổ"}}, unit=a.unit.code)
    content = fill(
        book, {"5": {"Reviewed points": 0, "Reason for the change": "X"}}, unit=b.unit.code
    )
    record_review(b, {criterion_ids(b)["9"]: Entry(Decimal(2), "Đã xác minh")})
    before = snapshot(a, b)

    with translation.override("en"), pytest.raises(ImportRefused) as refused:
        apply_review_sheet(period, cards, "tham-dinh.xlsx", content, actor=reviewer)

    assert refused.value.messages == [f"{b.unit.name}: {STALE}"]
    assert snapshot(a, b) == before


def test_a_review_sheet_downloaded_before_a_unit_changed_is_refused_naming_it(
    reviewer_client, period, two_submitted
):
    a, b = two_submitted
    book = get_sheet(reviewer_client, "imports:review_sheet", period.pk)
    record_review(b, {criterion_ids(b)["9"]: Entry(Decimal(2), "Đã xác minh")})
    content = fill(
        book, {"5": {"Reviewed points": 0, "Reason for the change": "X"}}, unit=b.unit.code
    )
    before = snapshot(a, b)

    response = upload(reviewer_client, "imports:review_sheet_upload", period.pk, content)

    assert file_errors(response) == [
        "These units' scorecards were saved after the sheet was downloaded, so nothing was "
        f"changed: {b.unit.name}.",
        "Download the sheet again, copy your entries into it and upload it.",
    ]
    assert snapshot(a, b) == before


def test_changes_to_scorecards_not_awaiting_review_refuse_the_sheet(
    reviewer_client, period, tuan_giao, two_submitted
):
    draft = period.scorecards.get(unit=tuan_giao.agencies[0])
    book = get_sheet(reviewer_client, "imports:review_sheet", period.pk)
    fill(
        book,
        {"1": {"Reviewed points": 2, "Reason for the change": "X"}},
        unit=two_submitted[0].unit.code,
    )
    content = fill(
        book, {"1": {"Reviewed points": 0, "Reason for the change": "X"}}, unit=draft.unit.code
    )
    before = snapshot(draft, *two_submitted)

    response = upload(reviewer_client, "imports:review_sheet_upload", period.pk, content)

    assert file_errors(response) == [
        "The sheet changes scorecards that are not awaiting review, so nothing was changed: "
        f"{draft.unit.name} (draft)."
    ]
    assert snapshot(draft, *two_submitted) == before


def test_a_changed_point_without_a_reason_is_refused_naming_row_and_column(
    reviewer_client, period, two_submitted
):
    a, _b = two_submitted
    book = get_sheet(reviewer_client, "imports:review_sheet", period.pk)
    top, _columns = header_row(book.active, "Unit code")
    content = fill(book, {"4": {"Reviewed points": 2}}, unit=a.unit.code)
    position = [r["Unit code"] for r in review_rows(book.active)].index(a.unit.code)

    response = upload(reviewer_client, "imports:review_sheet_upload", period.pk, content)

    assert file_errors(response) == [
        f"Row {top + 1 + position + 3}, column “Reason for the change”: "
        "Criterion 4: give a reason for changing the points."
    ]


def test_a_reviewer_never_reviews_their_own_unit_from_the_sheet(period, tuan_giao, two_submitted):
    a, _b = two_submitted
    own = MembershipFactory(unit=tuan_giao.district, role=Role.REVIEWER).user
    MembershipFactory(user=own, unit=a.unit, role=Role.UNIT_STAFF)
    client = client_for(own)
    book = get_sheet(client, "imports:review_sheet", period.pk)
    assert a.unit.code not in {r["Unit code"] for r in review_rows(book.active)}
    ws = book.active
    ws.append([a.unit.code, a.unit.name, "1", 2, "0; 1; 2", 1, "", None, 0, "Tự sửa", a.version])
    before = snapshot(a)

    response = upload(client, "imports:review_sheet_upload", period.pk, save(book))

    assert file_errors(response) == [
        f"Row {ws.max_row}, column “Unit code”: there is no scorecard of unit “{a.unit.code}” in "
        "this period that you review."
    ]
    assert snapshot(a) == before


@pytest.mark.parametrize("name", ["imports:review_sheet", "imports:review_sheet_upload"])
def test_unit_staff_and_other_districts_get_a_404_on_the_review_sheet(
    staff, outside_reviewer, period, name
):
    for user in (staff, outside_reviewer):
        response = client_for(user).get(reverse(name, args=[period.pk]))

        assert response.status_code == 404


def test_a_closed_period_takes_no_reviews_from_a_sheet(reviewer_client, period, two_submitted):
    a, _b = two_submitted
    book = get_sheet(reviewer_client, "imports:review_sheet", period.pk)
    content = fill(
        book, {"1": {"Reviewed points": 1, "Reason for the change": "X"}}, unit=a.unit.code
    )
    type(period).objects.filter(pk=period.pk).update(status=PeriodStatus.CLOSED)
    before = snapshot(a)

    response = upload(reviewer_client, "imports:review_sheet_upload", period.pk, content)

    assert file_errors(response) == ["This period is closed: nothing can be reviewed in it."]
    assert snapshot(a) == before
