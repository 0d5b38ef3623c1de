"""The reviewer's board at scale: search, filters (band, late), sort, pages, Excel, select all,
and what it says before and after review."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from scoring.domain import Entry, Transition, record_review, transition
from scoring.models import Scorecard, ScorecardStatus
from scoring.results import folded
from tests.clients import asking_client, flashes
from tests.factories import UnitFactory, criterion_ids, self_score
from units.models import UnitKind


def board(client, period, **query):
    return client.get(reverse("scoring:board", args=[period.pk]), query)


def names(response) -> list[str]:
    return [row.card.unit.name for _g, _l, rows in response.context["groups"] for row in rows]


@pytest.fixture
def named(period, tuan_giao):
    """Communes named as in Tuần Giáo, with different self totals and statuses."""
    first, second, third = tuan_giao.communes
    for unit, name in (
        (first, "Xã Quài Cang"),
        (second, "Xã Chiềng Đông"),
        (third, "Xã Mường Thín"),
    ):
        unit.name = name
        unit.save()
    cards = {c.unit.name: c for c in period.scorecards.select_related("unit")}
    self_score(cards["Xã Quài Cang"], 2)  # 18: Xuất sắc by the self total
    transition(self_score(cards["Xã Chiềng Đông"], 1), Transition.SUBMIT)  # 9
    return cards


def test_search_ignores_case_and_diacritics(reviewer_client, period, named):
    assert names(board(reviewer_client, period, q="quai cang")) == ["Xã Quài Cang"]
    assert names(board(reviewer_client, period, q="CHIỀNG")) == ["Xã Chiềng Đông"]
    assert folded("Đồng Tâm") == "dong tam"


def test_the_band_filter_uses_the_band_the_board_shows(reviewer_client, period, named):
    response = board(reviewer_client, period, band="Xuất sắc")

    assert names(response) == ["Xã Quài Cang"]


def test_the_late_filter_shows_units_past_their_deadline(reviewer_client, period, named):
    period.self_deadline = datetime.date(2021, 6, 25)  # long past: every editable card is late
    period.save()

    response = board(reviewer_client, period, late="on")

    assert "Xã Chiềng Đông" not in names(response)  # submitted: not late
    assert "Xã Quài Cang" in names(response)
    assert response.context["late"] == len(names(response))


def test_sorting_by_self_total_puts_units_without_points_last_either_way(
    reviewer_client, period, named
):
    down = names(board(reviewer_client, period, sort="-self", group="local"))
    up = names(board(reviewer_client, period, sort="self", group="local"))

    assert down == ["Xã Quài Cang", "Xã Chiềng Đông", "Xã Mường Thín"]
    assert up == ["Xã Chiềng Đông", "Xã Quài Cang", "Xã Mường Thín"]


def test_a_column_heading_links_to_the_other_direction(reviewer_client, period, named):
    html = board(reviewer_client, period, sort="self").content.decode()

    assert "?sort=-self" in html and "▲" in html


def test_a_status_count_links_to_that_filter(reviewer_client, period, named):
    html = board(reviewer_client, period).content.decode()

    assert 'href="?status=submitted"' in html


def test_an_unknown_sort_or_band_is_ignored(reviewer_client, period, named):
    response = board(reviewer_client, period, sort="bogus", band="nope", q="quai")

    assert names(response) == ["Xã Quài Cang"]


def test_not_reviewed_and_reviewed_with_the_same_points_read_differently(
    reviewer_client, period, named
):
    submitted = named["Xã Chiềng Đông"]
    html = board(reviewer_client, period).content.decode()
    assert html.count("not reviewed yet") == 5

    ids = criterion_ids(submitted)
    record_review(submitted, {ids["1"]: Entry(Decimal(1), "Đúng")})  # the unit's own points
    html = board(reviewer_client, period).content.decode()
    assert html.count("not reviewed yet") == 4
    assert "(same points)" in html


def test_the_board_shows_each_units_progress(reviewer_client, period, named, tuan_giao):
    card = Scorecard.objects.get(unit=tuan_giao.communes[2], period=period)
    ids = list(criterion_ids(card).values())
    from scoring.domain import record_self_scores

    record_self_scores(card, {ids[0]: Entry(Decimal(1), "x"), ids[1]: Entry(Decimal(2), "y")})

    html = board(reviewer_client, period).content.decode()
    assert re.search(r'class="progress">2/9<', html)
    assert re.search(r'class="progress">9/9<', html)


# Pages and query counts


@pytest.fixture
def big(period, tuan_giao, criteria_set):
    """The same district with 130 more communes in a period of its own (2021-Q3)."""
    from scoring.periods import open_period

    UnitFactory.create_batch(130, kind=UnitKind.COMMUNE, parent=tuan_giao.district)
    return open_period(tuan_giao.district, 2021, 3, criteria_set)


def test_a_large_board_is_paginated(reviewer_client, big):
    first = board(reviewer_client, big)
    second = board(reviewer_client, big, page=2)

    assert len(names(first)) == 100
    assert len(names(second)) == big.scorecards.count() - 100
    assert not set(names(first)) & set(names(second))
    assert "page=2" in first.content.decode()


def test_the_board_runs_the_same_queries_whatever_the_number_of_units(reviewer_client, period, big):
    board(reviewer_client, period)  # the session's first request also pushes its expiry back
    counts = []
    for p in (period, big):
        with CaptureQueriesContext(connection) as queries:
            assert board(reviewer_client, p).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


# Excel


def test_the_excel_download_has_the_rows_the_filter_keeps(reviewer_client, period, named):
    answer = reviewer_client.get(
        reverse("scoring:board_xlsx", args=[period.pk]), {"group": "local", "sort": "-self"}
    )

    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert answer["Content-Disposition"] == 'attachment; filename="tien-do-2021-Q2.xlsx"'
    assert [row[1] for row in rows] == ["Xã Quài Cang", "Xã Chiềng Đông", "Xã Mường Thín"]
    assert rows[0][4:8] == ["9/9", 18, None, "Xuất sắc"]
    assert rows[2][4] == "0/9"


# Bulk approval: select all, and asking first


def test_approve_all_on_the_page_posts_every_approvable_row(reviewer, period, named):
    client = asking_client(reviewer)
    transition(self_score(named["Xã Mường Thín"], 2), Transition.SUBMIT)
    html = board(client, period).content.decode()
    every = re.findall(r'name="all" value="([\d:]+)"', html)
    assert len(every) == 2

    page = client.post(
        reverse("scoring:bulk_approve", args=[period.pk]), {"which": "all", "all": every}
    )
    assert 'id="confirm"' in page.content.decode()
    assert period.scorecards.filter(status=ScorecardStatus.APPROVED).count() == 0
    assert "Xã Mường Thín" in page.content.decode() and "Xã Chiềng Đông" in page.content.decode()

    done = client.post(
        reverse("scoring:bulk_approve", args=[period.pk]),
        {"cards": every, "confirmed": "1"},
    )
    assert "Approved 2 scorecards." in flashes(done)
    assert period.scorecards.filter(status=ScorecardStatus.APPROVED).count() == 2
