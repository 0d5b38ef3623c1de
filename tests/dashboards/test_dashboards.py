"""The dashboards: one computation behind the page, the report and the Excel file; the heat
map; trends that follow merged units; comparison; the province roll-up; constant queries."""

import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import comparison
from reports import drafting, excel, pdf
from reports.domain import edit, report_for
from reports.snapshot import take_snapshot
from scoring.domain import Transition, transition
from scoring.models import ScorecardStatus
from scoring.periods import open_period
from tests.factories import MembershipFactory, UnitFactory, district
from tests.reports.conftest import NO_TTHC, pdf_text, score_period
from units.models import Role, UnitKind

pytestmark = pytest.mark.django_db

# Nine criteria, 2 points each (TT 01/2018): totals and their band.
EXCELLENT = [2, 2, 2, 2, 2, 2, 2, 2, 0]  # 16, xuất sắc
GOOD = [2, 2, 2, 2, 2, 1, 1, 1, 0]  # 13, tốt
FAIR = [2, 2, 2, 1, 1, 1, 1, 0, 0]  # 10, khá
WEAK = [1, 1, 1, 1, 0, 0, 0, 0, 0]  # 4, yếu
BANDS = ["Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"]


def leader_of(place):
    return MembershipFactory(unit=place.district, role=Role.LEADER).user


def numbers(row_html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<td class=\"num\">(\d+)</td>", row_html)]


def table_rows(html: str, table_id: str) -> dict[str, list[int]]:
    """{row heading: its numbers} of one of the page's tables."""
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL):
        head = re.search(r'<th scope="row">(.*?)</th>', row, re.DOTALL)
        if head:
            rows[re.sub(r"<[^>]+>", "", head.group(1)).strip()] = numbers(row)
    return rows


@pytest.fixture
def mixed(criteria_set):
    """Five agencies and six communes in four bands, one agency without procedures, one commune
    reopened for review (submitted again, not approved): every kind of count."""
    place = district(n_communes=6, n_agencies=5)
    period = open_period(place.district, 2021, 2, criteria_set)
    a, c = place.agencies, place.communes
    plan = {a[0]: EXCELLENT, a[1]: EXCELLENT, a[2]: GOOD, a[3]: NO_TTHC, a[4]: FAIR}
    plan |= {c[0]: EXCELLENT, c[1]: GOOD, c[2]: GOOD, c[3]: WEAK, c[4]: FAIR, c[5]: EXCELLENT}
    score_period(period, plan)
    reopened = period.scorecards.get(unit=c[5])
    transition(reopened, Transition.REOPEN, note="Cần thẩm định lại chỉ số 1")
    return place, period


def test_the_dashboard_the_report_and_the_excel_file_give_the_same_counts(client, mixed):
    place, period = mixed
    client.force_login(leader_of(place))

    html = client.get(reverse("dashboards:period", args=[period.pk])).content.decode()
    page = table_rows(html, "band-table")
    snapshot = take_snapshot(period)
    prose = drafting.specific(snapshot).splitlines()[1:3]
    sheet = load_workbook(BytesIO(excel.render_xlsx(report_for(period), snapshot)))["Tổng hợp"]
    cells = {
        row[0]: list(row[1:]) for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]
    }

    # bands best first, then no procedure arose, not classified yet, total
    assert page == {
        "Các cơ quan, đơn vị": [2, 1, 1, 0, 0, 1, 0, 5],
        "Các xã": [1, 2, 1, 0, 1, 0, 1, 6],
    }
    assert cells["Các cơ quan, đơn vị"] == page["Các cơ quan, đơn vị"]
    assert cells["Các xã"] == page["Các xã"]
    assert cells["Tổng cộng"] == [3, 3, 2, 0, 1, 1, 1, 11]
    assert prose == [
        "Các cơ quan, đơn vị: 02 đơn vị đạt xuất sắc, 01 đơn vị đạt kết quả tốt, 01 đơn vị "
        "đạt kết quả khá, 01 đơn vị không phát sinh TTHC.",
        "Các xã: 01 đơn vị đạt xuất sắc, 02 đơn vị đạt kết quả tốt, 01 đơn vị đạt kết quả "
        "khá, 01 đơn vị xếp loại yếu, 01 đơn vị chưa được phê duyệt kết quả.",
    ]


def test_progress_counts_each_status_per_group(client, mixed):
    place, period = mixed
    client.force_login(leader_of(place))

    html = client.get(reverse("dashboards:period", args=[period.pk])).content.decode()

    # draft, submitted, returned, approved, total
    assert table_rows(html, "progress-table") == {
        "Các cơ quan, đơn vị": [0, 0, 0, 5, 5],
        "Các xã": [0, 1, 0, 5, 6],
    }


def test_the_heat_map_shows_a_criterion_nobody_scores_and_links_each_cell(client, mixed):
    place, period = mixed
    client.force_login(leader_of(place))

    response = client.get(reverse("dashboards:period", args=[period.pk]))
    html = response.content.decode()
    heat = response.context["heat"]

    assert heat.nobody == ["9"]
    nine = [cell for g in heat.groups for row in g.rows for cell in row.cells if cell.code == "9"]
    assert len(nine) == 10 and {cell.level for cell in nine} == {"zero"}  # all but no-TTHC
    assert "Không đơn vị nào đạt điểm ở tiêu chí 9." in html
    weak = period.scorecards.get(unit=place.communes[3])
    link = html.index(f'href="/scorecards/{weak.pk}/"')
    row = html[html.rfind("<tr", 0, link) : html.index("</tr>", link)]
    assert 'class="low"' in row  # yếu stands out
    assert row.count(f'href="/scorecards/{weak.pk}/"') == 1 + 9  # the name and each cell
    assert 'lv-part" data-criterion="1"><a href' in row  # 1 of 2 points
    assert 'lv-zero" data-criterion="5"><a href' in row  # none
    assert 'lv-full" data-criterion="1"><a href' in html  # 2 of 2, elsewhere


def test_charts_are_inline_svg_images_with_the_band_colours(client, mixed):
    place, period = mixed
    client.force_login(leader_of(place))

    response = client.get(reverse("dashboards:period", args=[period.pk]))
    html = response.content.decode()

    images = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == 2  # progress, bands (no earlier quarter: no trend chart)
    import base64

    bands_svg = base64.b64decode(images[1]).decode()
    assert "<script" not in bands_svg
    assert "Xuất sắc" in bands_svg and "#1b5e20" in bands_svg  # the set's colour for it
    assert "Không phát sinh TTHC" in bands_svg
    nonce = re.search(r'<style nonce="([^"]+)">', html).group(1)
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert ".band-1{background:#1b5e20;color:#fff}" in html


@pytest.mark.parametrize("view", ["dashboards:period", "dashboards:compare"])
def test_the_dashboard_queries_do_not_grow_with_the_units(client, criteria_set, view):
    def queries(n: int) -> int:
        place = district(n_communes=n, n_agencies=n)
        earlier = open_period(place.district, 2021, 1, criteria_set)
        period = open_period(place.district, 2021, 2, criteria_set)
        score_period(earlier, dict.fromkeys(place.communes, GOOD))
        score_period(period)
        client.force_login(leader_of(place))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(view, args=[period.pk])).status_code == 200
        return len(captured)

    assert queries(2) == queries(6)


def test_the_unit_page_follows_a_merged_unit_back_to_the_units_it_was_formed_from(
    client, criteria_set
):
    place = district(n_communes=3, n_agencies=0)
    old_a, old_b, other = place.communes
    q1 = open_period(place.district, 2021, 1, criteria_set)
    score_period(q1, {old_a: EXCELLENT, old_b: FAIR, other: GOOD})
    merged = UnitFactory(kind=UnitKind.COMMUNE, parent=place.district, name="Xã Hợp Nhất")
    merged.predecessors.set([old_a, old_b])
    for unit in (old_a, old_b):
        unit.parent = None  # dissolved into the new commune
        unit.save()
    q2 = open_period(place.district, 2021, 2, criteria_set)
    score_period(q2, {merged: GOOD, other: EXCELLENT})
    staff = MembershipFactory(unit=merged, role=Role.UNIT_STAFF).user
    client.force_login(staff)

    response = client.get(reverse("dashboards:unit", args=[merged.pk]))
    html = response.content.decode()

    rows = [
        (s.period.quarter, s.card.unit.name, int(s.card.final_total), s.card.rank, s.ranked)
        for s in response.context["standings"]
    ]
    assert sorted(rows) == [
        (1, old_a.name, 16, 1, 3),
        (1, old_b.name, 10, 3, 3),
        (2, "Xã Hợp Nhất", 13, 2, 2),
    ]
    # Their staff open the merged unit's scorecard, not the predecessors' (another unit's).
    own = q2.scorecards.get(unit=merged)
    assert f'href="/scorecards/{own.pk}/"' in html
    assert f'href="/scorecards/{q1.scorecards.get(unit=old_a).pk}/"' not in html
    assert "2 trên 2" in html  # its rank among the communes that quarter


def test_comparison_names_the_units_that_moved_and_the_criteria_that_changed(client, criteria_set):
    place = district(n_communes=3, n_agencies=0)
    up, down, same = place.communes
    q1 = open_period(place.district, 2021, 1, criteria_set)
    score_period(q1, {up: GOOD, down: EXCELLENT, same: FAIR})
    q2 = open_period(place.district, 2021, 2, criteria_set)
    score_period(q2, {up: EXCELLENT, down: FAIR, same: FAIR})
    client.force_login(leader_of(place))

    response = client.get(reverse("dashboards:compare", args=[q2.pk]))
    result = response.context["comparison"]
    moves = {m.unit["name"]: m for _label, group in result.groups for m in group}

    assert response.context["other"] == q1  # the quarter before, by default
    assert moves[up.name].direction == comparison.UP
    assert [(c.code, c.before, c.after) for c in moves[up.name].changes] == [
        ("6", 1, 2),
        ("7", 1, 2),
        ("8", 1, 2),
    ]
    assert moves[down.name].direction == comparison.DOWN
    assert moves[same.name].direction == comparison.SAME and moves[same.name].changes == []
    assert "1 đơn vị được xếp loại cao hơn, 1 đơn vị thấp hơn" in response.content.decode()


def test_the_province_view_puts_districts_side_by_side(client, criteria_set):
    first = district(n_communes=2, n_agencies=1)
    second = district(n_communes=3, n_agencies=0, province=first.province)
    silent = UnitFactory(kind=UnitKind.DISTRICT, parent=first.province, name="Huyện Im Lặng")
    p1 = open_period(first.district, 2021, 2, criteria_set)
    score_period(p1, {first.agencies[0]: NO_TTHC, first.communes[0]: GOOD})
    p2 = open_period(second.district, 2021, 2, criteria_set)
    score_period(p2, {second.communes[0]: WEAK}, approve=False)
    transition(p2.scorecards.get(unit=second.communes[1]), Transition.APPROVE)
    province_leader = MembershipFactory(unit=first.province, role=Role.LEADER).user
    client.force_login(province_leader)

    response = client.get(reverse("dashboards:province", args=[first.province.pk]))
    rows = {r.district: r for r in response.context["rows"]}

    assert rows[first.district].tally.count("Xuất sắc") == 1  # communes[1]: 2 everywhere
    assert rows[first.district].tally.count("Tốt") == 1
    assert rows[first.district].tally.no_tthc == 1
    assert (rows[first.district].approved, rows[first.district].units) == (3, 3)
    assert (rows[second.district].approved, rows[second.district].units) == (1, 3)
    assert rows[second.district].tally.count("Xuất sắc") == 1  # the approved one
    assert rows[silent].period is None
    whole = response.context["whole"]
    assert (whole.count("Xuất sắc"), whole.count("Tốt"), whole.no_tthc, whole.pending) == (
        2,
        1,
        1,
        2,
    )
    assert (response.context["approved"], response.context["units"]) == (4, 6)
    html = response.content.decode()
    assert "Chưa mở quý này" in html
    # The province leader opens a district's dashboard, read only (no review actions).
    dashboard = client.get(reverse("dashboards:period", args=[p1.pk]))
    assert dashboard.status_code == 200
    assert 'method="post"' not in dashboard.content.decode().split("<main>")[1].split("</main>")[0]


def test_a_district_reviewer_cannot_open_the_province_view(client, criteria_set):
    place = district()
    client.force_login(MembershipFactory(unit=place.district, role=Role.REVIEWER).user)

    assert client.get(reverse("dashboards:province", args=[place.province.pk])).status_code == 404


def test_the_province_view_queries_do_not_grow_with_districts_or_units(client, criteria_set):
    def queries(districts: int, n: int) -> int:
        province = UnitFactory(kind=UnitKind.PROVINCE)
        for _ in range(districts):
            place = district(n_communes=n, n_agencies=1, province=province)
            score_period(open_period(place.district, 2021, 2, criteria_set))
        client.force_login(MembershipFactory(unit=province, role=Role.LEADER).user)
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("dashboards:province", args=[province.pk]))
        return len(captured)

    assert queries(1, 2) == queries(3, 5)


def test_the_report_pdf_includes_the_band_chart_only_when_asked(criteria_set):
    place = district(n_communes=2, n_agencies=1)
    period = open_period(place.district, 2021, 2, criteria_set)
    score_period(period, {place.communes[0]: GOOD})
    report = report_for(period)
    snapshot = take_snapshot(period)

    without = pdf_text(pdf.render_pdf(report, snapshot, draft=True).content, first=1, last=2)
    report = edit(report, {"include_chart": True})
    with_chart = pdf_text(pdf.render_pdf(report, snapshot, draft=True).content, first=1, last=2)

    assert "Biểu đồ: số đơn vị theo xếp loại" not in without
    assert "Biểu đồ: số đơn vị theo xếp loại" in with_chart
    # The chart is vector graphics: its legend is text in the PDF, one more of each band.
    assert with_chart.count("Xuất sắc") == without.count("Xuất sắc") + 1
    assert with_chart.count("Tốt") == without.count("Tốt") + 1


def test_unit_staff_see_their_own_units_results_but_no_dashboard(client, mixed):
    place, period = mixed
    staff = MembershipFactory(unit=place.communes[0], role=Role.UNIT_STAFF).user
    client.force_login(staff)

    assert client.get(reverse("dashboards:period", args=[period.pk])).status_code == 404
    assert client.get(reverse("dashboards:unit", args=[place.communes[1].pk])).status_code == 404
    mine = client.get(reverse("dashboards:unit", args=[place.communes[0].pk]))
    assert mine.status_code == 200
    (standing,) = mine.context["standings"]
    assert standing.card.status == ScorecardStatus.APPROVED and standing.card.rank == 1
    home = client.get(reverse("home")).content.decode()
    assert reverse("dashboards:unit", args=[place.communes[0].pk]) in home


def test_the_chart_is_chosen_on_the_report_page_and_its_history_says_so(client, criteria_set):
    from reports import domain
    from reports.history import lines
    from reports.models import Report

    place = district(n_communes=1, n_agencies=1)
    period = open_period(place.district, 2021, 2, criteria_set)
    report = report_for(period)
    data = {name: getattr(report, name) or "" for name in domain.EDITABLE}
    data |= {"version": report.version, "online_threshold": "30", "include_chart": "on"}
    client.force_login(MembershipFactory(unit=place.district, role=Role.REVIEWER).user)

    page = client.get(reverse("reports:report", args=[period.pk])).content.decode()
    client.post(reverse("reports:report", args=[period.pk]), data)

    assert 'name="include_chart"' in page
    assert Report.objects.get(pk=report.pk).include_chart is True
    (edited, *_rest) = lines(Report.objects.get(pk=report.pk))
    assert [(c.label, c.before, c.after) for c in edited.changes] == [
        ("kèm biểu đồ xếp loại", "không", "có")
    ]


def test_the_unit_page_queries_do_not_grow_with_the_units(client, criteria_set):
    def queries(n: int) -> int:
        place = district(n_communes=n, n_agencies=1)
        for quarter in (1, 2):
            score_period(open_period(place.district, 2021, quarter, criteria_set))
        client.force_login(MembershipFactory(unit=place.communes[0], role=Role.UNIT_STAFF).user)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("dashboards:unit", args=[place.communes[0].pk]))
        assert len(response.context["standings"]) == 2
        return len(captured)

    assert queries(2) == queries(7)


def test_the_ranking_counts_approved_results_only(client, mixed):
    place, period = mixed
    client.force_login(leader_of(place))

    response = client.get(reverse("dashboards:period", args=[period.pk]))
    (_agencies, agencies), (_communes, communes) = response.context["ranking"]

    # The reopened commune has 16 points like c[0], but no result until it is approved again.
    assert [(r.unit["name"], r.rank) for r in communes] == [
        (place.communes[0].name, 1),
        (place.communes[1].name, 2),
        (place.communes[2].name, 2),
        (place.communes[4].name, 4),
        (place.communes[3].name, 5),
        (place.communes[5].name, None),
    ]
    assert communes[-1].colour == "" and not communes[-1].approved
    assert [r.rank for r in agencies] == [1, 1, 3, 4, None]  # the last: no procedure arose


def test_comparison_moves_no_unit_whose_result_is_not_approved(client, criteria_set):
    place = district(n_communes=2, n_agencies=0)
    q1 = open_period(place.district, 2021, 1, criteria_set)
    score_period(q1, dict.fromkeys(place.communes, WEAK))
    q2 = open_period(place.district, 2021, 2, criteria_set)
    score_period(q2, {place.communes[0]: EXCELLENT}, approve=False)  # submitted, not approved
    client.force_login(leader_of(place))

    response = client.get(reverse("dashboards:compare", args=[q2.pk]) + f"?with={q1.pk}")
    moves = [m for _label, group in response.context["comparison"].groups for m in group]

    assert {m.direction for m in moves} == {comparison.OTHER}
    assert all(m.pending for m in moves)
    assert "chưa duyệt" in response.content.decode()


def test_the_excel_summary_sheet_draws_the_counts_as_a_chart_in_the_band_colours(mixed):
    _place, period = mixed
    sheet = load_workbook(BytesIO(excel.render_xlsx(report_for(period), take_snapshot(period))))[
        "Tổng hợp"
    ]
    (chart,) = sheet._charts
    fills = [s.graphicalProperties.solidFill.srgbClr for s in chart.series]

    assert chart.grouping == "stacked"
    assert fills == ["1B5E20", "1565C0", "A86D00", "EF6C00", "C62828", "9E9E9E"]


@pytest.mark.parametrize(
    ("given", "used"),
    [("#1B5E20", "#1b5e20"), ("#abc", "#aabbcc"), ("red", None), ("#12345", None), ("", None)],
)
def test_only_real_colours_reach_the_css_the_svg_and_the_spreadsheet(given, used):
    from reports.charts import colour

    assert colour(given) == used
    assert colour("#1b5e20;}body{display:none") is None


def test_tallies_of_different_criteria_sets_add_up_by_band_label():
    from scoring.results import combine, tally

    old = [{"label": "Xuất sắc", "order": 1}, {"label": "Tốt", "order": 2}]
    new = [{"label": "Xuất sắc", "order": 1}, {"label": "Khá", "order": 3}]
    approved = ScorecardStatus.APPROVED
    first = tally("", "A", [(approved, "Xuất sắc", False), (approved, "Tốt", False)], old)
    second = tally("", "B", [(approved, "Khá", False), ("draft", "Khá", False)], new)

    whole = combine([first, second], "Toàn tỉnh")

    assert [(b.band["label"], b.count) for b in whole.bands] == [
        ("Xuất sắc", 1),
        ("Tốt", 1),
        ("Khá", 1),
    ]
    assert (whole.pending, whole.total) == (1, 4)
