"""``scoring.resources.ScorecardResource``: the no-procedure declarations imported; status,
totals, band and rank exported."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.models import EventKind, ImportBatch, ImportKind, Scorecard, ScorecardStatus
from scoring.resources import ScorecardResource
from tests.factories import self_score
from tests.imports.filekit import FILE_KINDS, dump, refusal, run, table_file

pytestmark = pytest.mark.django_db

HEADERS = ["period", "unit", "no_tthc", "no_tthc_note"]
VIETNAMESE = ["Kỳ đánh giá", "Mã đơn vị", "Không phát sinh TTHC", "Giải trình không phát sinh"]


@pytest.mark.parametrize("file_kind", FILE_KINDS)
@pytest.mark.parametrize(
    ("headers", "yes", "no"),
    [(HEADERS, "1", "0"), (VIETNAMESE, "Có", "không")],
    ids=["english", "vietnamese"],
)
def test_declarations_of_no_procedure_are_imported(period, tuan_giao, file_kind, headers, yes, no):
    first, second = tuan_giao.communes[:2]
    self_score(period.scorecards.get(unit=first), 2)
    rows = [
        headers,
        ["2021-Q2", first.code, yes, "Không có hồ sơ phát sinh trong quý"],
        ["2021-Q2", second.code, no, ""],
    ]

    done = run(ScorecardResource(), *table_file(rows, file_kind))

    assert (done.changed, done.unchanged) == (1, 1)
    card = Scorecard.objects.get(period=period, unit=first)
    assert (card.no_tthc, card.no_tthc_note) == (True, "Không có hồ sơ phát sinh trong quý")
    assert (card.self_total, card.final_total, card.band) == (None, None, "")
    event = card.events.get(kind=EventKind.IMPORTED)
    assert event.before == {"no_tthc": False, "no_tthc_note": ""}
    assert event.after == {"no_tthc": True, "no_tthc_note": "Không có hồ sơ phát sinh trong quý"}
    batch = ImportBatch.objects.get()
    assert (event.import_batch, batch.kind, batch.period) == (batch, ImportKind.SCORECARDS, period)
    assert not Scorecard.objects.get(period=period, unit=second).no_tthc


def test_withdrawing_a_declaration_brings_the_totals_back(card):
    self_score(card, 2)
    run(
        ScorecardResource(),
        *table_file([HEADERS, ["2021-Q2", card.unit.code, "x", "Lý do"]], "csv"),
    )

    run(ScorecardResource(), *table_file([HEADERS, ["2021-Q2", card.unit.code, "", ""]], "csv"))

    card.refresh_from_db()
    assert (card.no_tthc, card.no_tthc_note, card.final_total) == (False, "", Decimal(18))


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["2021-Q2", "{unit}", "1", ""],
            "Dòng 3, cột “no_tthc_note”: Vui lòng giải trình lý do không phát sinh TTHC trong quý.",
        ),
        (
            ["2021-Q2", "{unit}", "có lẽ", "x"],
            "Dòng 3, cột “no_tthc”: “có lẽ” không phải có hoặc không (có/không, 1/0).",
        ),
        (["2021-Q2", "NOPE", "1", "x"], "Dòng 3, cột “unit”: Không có đơn vị nào mang mã “NOPE”."),
        (["2022-Q1", "{unit}", "1", "x"], "Dòng 3, cột “period”: Chưa mở kỳ đánh giá 2022-Q1."),
        (["Q2/2021", "{unit}", "1", "x"], "Dòng 3, cột “period”: “Q2/2021” không phải kỳ dạng"),
        (["2021-Q2", "{first}", "1", "x"], "Dòng 3: Dòng này trùng với dòng 2."),
    ],
    ids=["no-note", "not-yes-or-no", "unknown-unit", "quarter-not-opened", "bad-period", "twice"],
)
def test_a_bad_row_refuses_the_whole_file(period, tuan_giao, row, expected):
    first, other = tuan_giao.communes[:2]
    row = [cell.format(unit=other.code, first=first.code) for cell in row]
    rows = [HEADERS, ["2021-Q2", first.code, "1", "Không phát sinh"], row]

    assert expected in refusal(ScorecardResource(), *table_file(rows, "csv"))


def test_an_approved_scorecard_is_refused(card):
    Scorecard.objects.filter(pk=card.pk).update(status=ScorecardStatus.APPROVED)
    rows = [HEADERS, ["2021-Q2", card.unit.code, "1", "Không phát sinh"]]

    messages = refusal(ScorecardResource(), *table_file(rows, "xlsx"))

    assert "Dòng 2, cột “unit”: Phiếu chấm điểm của" in messages
    assert "đã được phê duyệt" in messages


def test_the_export_has_status_totals_band_and_rank_in_a_fixed_number_of_queries(period, tuan_giao):
    points = {0: 2, 1: 1, 2: 2}  # communes 0 and 2 tie at 18, commune 1 has 9
    for index, unit in enumerate(tuan_giao.communes):
        self_score(period.scorecards.get(unit=unit), points[index])
    for index, unit in enumerate(tuan_giao.agencies):
        self_score(period.scorecards.get(unit=unit), [2] * 8 + [index])
    Scorecard.objects.filter(unit=tuan_giao.communes[0]).update(no_tthc_note="=cmd|' /C calc'!A0")

    with CaptureQueriesContext(connection) as captured:
        exported = ScorecardResource().export()

    assert len(captured) == 2
    assert exported.headers == [*HEADERS, "status", "self_total", "final_total", "band", "rank"]
    rows = {row[1]: row for row in exported}
    first = rows[tuan_giao.communes[0].code]
    card = period.scorecards.get(unit=tuan_giao.communes[0])
    assert first == (
        "2021-Q2",
        card.unit.code,
        "0",
        "'=cmd|' /C calc'!A0",
        "draft",
        "18",
        "18",
        card.band,
        "1",
    )
    ranks = [rows[u.code][8] for u in tuan_giao.communes]
    assert ranks == ["1", "3", "1"]
    assert [rows[u.code][8] for u in tuan_giao.agencies] == ["2", "1"]
    for unit in tuan_giao.scored:  # the same as the scorecard's own ranking
        assert rows[unit.code][8] == str(Scorecard.objects.get(period=period, unit=unit).rank)


def test_a_round_trip_of_the_export_changes_nothing(period, tuan_giao):
    self_score(period.scorecards.get(unit=tuan_giao.communes[0]), 2)
    exported = ScorecardResource().export()
    before = dump()

    done = run(ScorecardResource(), "the.csv", exported.export("csv").encode())

    assert (done.changed, done.unchanged) == (0, len(tuan_giao.scored))
    assert dump() == before
