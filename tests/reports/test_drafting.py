"""The report's prose follows the data: each statement appears only when the results call for
it, with the counts and names of the period (drafted from ``take_snapshot``)."""

from decimal import Decimal

import pytest
from django.utils import translation

from reports import domain, drafting, pdf
from reports.snapshot import take_snapshot, tallies
from scoring.models import DossierStats
from scoring.periods import open_period
from tests.factories import UnitFactory, district
from tests.reports.conftest import NO_TTHC, score_period
from units.models import UnitKind

pytestmark = pytest.mark.django_db

THRESHOLD = Decimal("0.300")
NINE = (
    "- Đối với tiêu chí số 9 “Tiến độ và chất lượng cung cấp DVC trực tuyến” chưa có đơn vị "
    "nào đạt điểm số."
)
PORTAL = "Cổng dịch vụ công của tỉnh"

# Nine criteria, 2 points each: totals and the band they fall in (TT 01/2018 set).
EXCELLENT = [2, 2, 2, 2, 2, 2, 2, 2, 0]  # 16, xuất sắc
GOOD = [2, 2, 2, 2, 2, 1, 1, 1, 0]  # 13, tốt
FAIR = [2, 2, 2, 1, 1, 1, 1, 0, 0]  # 10, khá
AVERAGE = [1, 1, 1, 1, 1, 1, 1, 0, 0]  # 7, trung bình
WEAK = [1, 1, 1, 1, 0, 0, 0, 0, 0]  # 4, yếu


def opened(place, criteria_set):
    return open_period(place.district, 2021, 2, criteria_set)


def stats(unit, *, online: int, offline: int, late: int = 0) -> DossierStats:
    return DossierStats.objects.create(
        unit=unit,
        year=2021,
        quarter=2,
        received_online=online,
        received_offline=offline,
        resolved_overdue=late,
    )


def group_lines(snapshot: dict) -> list[str]:
    return [drafting.group_line(tallied) for tallied in tallies(snapshot)]


# ---------------------------------------------------------------------------------------------
# Counts per band


def test_it_counts_each_band_and_the_units_with_no_tthc(criteria_set):
    place = district(n_communes=1, n_agencies=4)
    a = place.agencies
    period = opened(place, criteria_set)
    score_period(period, {a[0]: EXCELLENT, a[1]: 2, a[2]: FAIR, a[3]: NO_TTHC})

    lines = group_lines(take_snapshot(period))

    assert lines == [
        "Các cơ quan, đơn vị: 02 đơn vị đạt xuất sắc, 01 đơn vị đạt kết quả khá, "
        "01 đơn vị không phát sinh TTHC.",
        "Các xã: 01 đơn vị đạt xuất sắc.",
    ]


def test_it_lists_several_bands_of_one_group_best_first(criteria_set):
    place = district(n_communes=5, n_agencies=0)
    c = place.communes
    period = opened(place, criteria_set)
    score_period(period, {c[0]: WEAK, c[1]: AVERAGE, c[2]: FAIR, c[3]: GOOD, c[4]: EXCELLENT})

    lines = group_lines(take_snapshot(period))

    assert lines == [
        "Các xã: 01 đơn vị đạt xuất sắc, 01 đơn vị đạt kết quả tốt, 01 đơn vị đạt kết quả "
        "khá, 01 đơn vị đạt kết quả trung bình, 01 đơn vị xếp loại yếu."
    ]


def test_numbers_from_ten_up_are_not_padded(criteria_set):
    place = district(n_communes=12, n_agencies=0)
    period = opened(place, criteria_set)
    score_period(period, dict.fromkeys(place.communes[10:], GOOD))

    lines = group_lines(take_snapshot(period))

    assert lines == ["Các xã: 10 đơn vị đạt xuất sắc, 02 đơn vị đạt kết quả tốt."]


@pytest.mark.parametrize(("n", "text"), [(0, "00"), (1, "01"), (9, "09"), (10, "10"), (123, "123")])
def test_numbers_below_ten_take_a_leading_zero(n, text):
    assert drafting.pad(n) == text


def test_the_specific_results_cite_the_legal_bases_and_the_attached_table(criteria_set):
    place = district(n_communes=1, n_agencies=1)
    period = opened(place, criteria_set)
    score_period(period)

    text = drafting.specific(take_snapshot(period)).splitlines()

    assert text == [
        "Trên cơ sở tự chấm điểm của các cơ quan, đơn vị, UBND các xã, UBND huyện "
        f"{place.district.short_name} thẩm định và tổng hợp đánh giá giải quyết TTHC trên cơ "
        "sở các chỉ số theo quy định tại Quyết định số 1187/QĐ-UBND ngày 13/11/2019 và Công "
        "văn 1510/UBND-VP ngày 07/12/2020 kết quả chấm điểm như sau:",
        "Các cơ quan, đơn vị: 01 đơn vị đạt xuất sắc.",
        "Các xã: 01 đơn vị đạt xuất sắc.",
        "(Có biểu chấm điểm, đánh giá việc giải quyết TTHC kèm theo)",
    ]


# ---------------------------------------------------------------------------------------------
# Local unit kinds


def test_wards_are_named_in_the_group_and_the_prose(criteria_set):
    place = district(n_communes=1, n_agencies=1)
    UnitFactory(kind=UnitKind.WARD, parent=place.district, name="Phường Mường Thanh")
    period = opened(place, criteria_set)
    score_period(period)

    snapshot = take_snapshot(period)

    assert [group["label"] for group in snapshot["groups"]] == [
        "Các cơ quan, đơn vị",
        "Các xã, phường",
    ]
    assert drafting.units_phrase(snapshot) == "các cơ quan, đơn vị, UBND các xã, phường"
    assert drafting.distribution(snapshot).splitlines()[-2:] == ["UBND các xã, phường;", "Lưu: VT."]


def test_communes_wards_and_townships_are_named_in_that_order(criteria_set):
    place = district(n_communes=1, n_agencies=0)
    UnitFactory(kind=UnitKind.TOWNSHIP, parent=place.district, name="Thị trấn Tuần Giáo")
    UnitFactory(kind=UnitKind.WARD, parent=place.district, name="Phường Him Lam")
    period = opened(place, criteria_set)

    snapshot = take_snapshot(period)

    assert [group["label"] for group in snapshot["groups"]] == ["Các xã, phường, thị trấn"]
    assert drafting.units_phrase(snapshot) == "UBND các xã, phường, thị trấn"


def test_the_printed_labels_are_vietnamese_whatever_the_interface_language(criteria_set):
    place = district(n_communes=1, n_agencies=1)
    period = opened(place, criteria_set)

    with translation.override("en"):
        snapshot = take_snapshot(period)

    assert [group["label"] for group in snapshot["groups"]] == ["Các cơ quan, đơn vị", "Các xã"]


# ---------------------------------------------------------------------------------------------
# "Một số tồn tại"


def test_a_criterion_no_unit_scored_on_gets_a_bullet_and_one_some_scored_on_does_not(
    criteria_set,
):
    place = district(n_communes=2, n_agencies=1)
    c = place.communes
    period = opened(place, criteria_set)
    # Criterion 8: only the first commune got a point; criterion 9: nobody.
    nothing_on_8_and_9 = [2] * 7 + [0, 0]
    score_period(
        period,
        {place.agencies[0]: nothing_on_8_and_9, c[0]: [2] * 7 + [1, 0], c[1]: nothing_on_8_and_9},
    )
    snapshot = take_snapshot(period)

    assert [c["code"] for c in drafting.zero_criteria(snapshot)] == ["9"]
    assert drafting.issues(snapshot, THRESHOLD) == NINE


def test_every_criterion_nobody_scored_on_gets_its_own_bullet_in_order(criteria_set):
    place = district(n_communes=2, n_agencies=0)
    period = opened(place, criteria_set)
    score_period(period, {unit: [2] * 7 + [0, 0] for unit in place.communes})

    issues = drafting.issues(take_snapshot(period), THRESHOLD).splitlines()

    assert issues == [
        "- Đối với tiêu chí số 8 “Tiếp thu, giải trình phản ánh, kiến nghị” chưa có đơn vị nào "
        "đạt điểm số.",
        NINE,
    ]


def test_units_with_no_tthc_do_not_make_a_criterion_look_unscored(criteria_set):
    place = district(n_communes=1, n_agencies=1)
    period = opened(place, criteria_set)
    score_period(period, {place.agencies[0]: NO_TTHC, place.communes[0]: 2})

    assert drafting.zero_criteria(take_snapshot(period)) == []


def test_with_nothing_to_report_there_is_no_shortcomings_section(criteria_set):
    place = district(n_communes=2, n_agencies=0)
    for unit in place.communes:
        stats(unit, online=40, offline=60)
    period = opened(place, criteria_set)
    score_period(period)
    report = domain.report_for(period)

    html = pdf.render_html(report, take_snapshot(period), draft=True)

    assert report.issues == ""
    assert "Một số tồn tại" not in html


def test_late_communes_are_named_most_late_first(criteria_set):
    place = district(n_communes=3, n_agencies=1)
    c = place.communes
    stats(c[0], online=40, offline=60, late=2)
    stats(c[1], online=40, offline=60)
    stats(c[2], online=40, offline=60, late=5)
    stats(place.agencies[0], online=40, offline=60, late=9)  # agencies are not in this bullet
    period = opened(place, criteria_set)
    score_period(period)

    issues = drafting.issues(take_snapshot(period), THRESHOLD)

    assert issues == (
        "- Một số xã vẫn còn để hồ sơ trễ hẹn và quá hạn trên Cổng dịch vụ công "
        f"({c[2].short_name}, {c[0].short_name})."
    )


def test_without_late_dossiers_there_is_no_late_bullet(criteria_set):
    place = district(n_communes=2, n_agencies=0)
    for unit in place.communes:
        stats(unit, online=10, offline=90)
    period = opened(place, criteria_set)
    score_period(period, {unit: [2] * 8 + [0] for unit in place.communes})

    issues = drafting.issues(take_snapshot(period), THRESHOLD).splitlines()

    assert issues == [NINE, f"- Tỷ lệ tiếp nhận hồ sơ trên {PORTAL} còn thấp."]


def test_an_online_share_above_the_threshold_needs_no_online_bullet(criteria_set):
    place = district(n_communes=2, n_agencies=0)
    stats(place.communes[0], online=30, offline=70)
    stats(place.communes[1], online=50, offline=50)
    period = opened(place, criteria_set)
    score_period(period)

    assert drafting.issues(take_snapshot(period), THRESHOLD) == ""


def test_a_low_share_without_silent_units_says_only_that_it_is_low(criteria_set):
    place = district(n_communes=2, n_agencies=0)
    stats(place.communes[0], online=10, offline=70)
    stats(place.communes[1], online=5, offline=60)
    period = opened(place, criteria_set)
    score_period(period)

    assert drafting.issues(take_snapshot(period), THRESHOLD) == (
        f"- Tỷ lệ tiếp nhận hồ sơ trên {PORTAL} còn thấp."
    )


def test_a_low_share_with_a_silent_commune_names_it(criteria_set):
    place = district(n_communes=2, n_agencies=0)
    stats(place.communes[0], online=10, offline=70)
    stats(place.communes[1], online=0, offline=60)
    period = opened(place, criteria_set)
    score_period(period)

    assert drafting.issues(take_snapshot(period), THRESHOLD) == (
        f"- Tỷ lệ tiếp nhận hồ sơ trên {PORTAL} còn thấp, một số xã chưa thực hiện việc "
        f"tiếp nhận hồ sơ trên {PORTAL} ({place.communes[1].short_name})."
    )


def test_a_silent_commune_is_named_even_when_the_share_is_high(criteria_set):
    place = district(n_communes=2, n_agencies=0)
    stats(place.communes[0], online=90, offline=10)
    stats(place.communes[1], online=0, offline=20)
    period = opened(place, criteria_set)
    score_period(period)

    assert drafting.issues(take_snapshot(period), THRESHOLD) == (
        f"- Một số xã chưa thực hiện việc tiếp nhận hồ sơ trên {PORTAL} "
        f"({place.communes[1].short_name})."
    )


def test_the_threshold_is_the_reports_own(criteria_set):
    place = district(n_communes=1, n_agencies=0)
    stats(place.communes[0], online=25, offline=75)
    period = opened(place, criteria_set)
    score_period(period)
    snapshot = take_snapshot(period)

    assert (
        drafting.issues(snapshot, Decimal("0.300"))
        == f"- Tỷ lệ tiếp nhận hồ sơ trên {PORTAL} còn thấp."
    )
    assert drafting.issues(snapshot, Decimal("0.200")) == ""


# ---------------------------------------------------------------------------------------------
# The whole draft


def test_a_new_report_is_drafted_with_the_leader_as_signer(scored_period, leader, tuan_giao):
    leader.first_name = "Vũ Văn Đức"
    leader.save()

    report = domain.report_for(scored_period)

    assert (report.issuer, report.place, report.signer_name) == (
        tuan_giao.district.name.upper(),
        tuan_giao.district.short_name,
        "Vũ Văn Đức",
    )
    assert report.subject == (
        "Kết quả chấm điểm đánh giá việc giải quyết TTHC Quý II năm 2021 trên địa bàn huyện "
        f"{tuan_giao.district.short_name}"
    )


def test_regenerating_redrafts_from_the_current_data(period, tuan_giao):
    report = domain.report_for(period)
    score_period(period, {tuan_giao.communes[0]: GOOD})

    report = domain.regenerate(report)

    assert report.specific.splitlines()[1:3] == [
        "Các cơ quan, đơn vị: 02 đơn vị đạt xuất sắc.",
        "Các xã: 02 đơn vị đạt xuất sắc, 01 đơn vị đạt kết quả tốt.",
    ]
