"""The demo must reproduce the seed report (../shared/seed) from data; the quarter before it
must differ from it, closed; the quarter after it must be in progress."""

from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from reports.models import ReportStatus
from scoring.demo import DEMO_PASSWORD, build_demo
from scoring.models import (
    DossierStats,
    Period,
    PeriodStatus,
    Score,
    Scorecard,
    ScorecardStatus,
    SurveySummary,
)
from units.models import Membership, ReportGroup, Role, Unit

pytestmark = pytest.mark.django_db

LATE_COMMUNES = [
    "Nà Tòng",
    "Tỏa Tình",
    "Mường Khong",
    "Quài Tở",
    "Chiềng Sinh",
    "Rạng Đông",
    "Quài Nưa",
    "Pú Nhung",
]


@pytest.fixture(scope="module", autouse=True)
def built_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, built once for this module (three quarters, a rendered and signed report:
    seconds) in a transaction rolled back at the end. Each test runs in a savepoint of it, so
    what one test changes is undone before the next. Its files and the demo certificate it
    signs with go to temporary folders, never the project's var/."""
    overrides = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"),
        SIGNING_DEMO=True,
        SIGNING_DIR=tmp_path_factory.mktemp("demo-signing"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), overrides, transaction.atomic():
        build_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo():
    return Period.objects.get(organizer__code="tuan-giao", year=2021, quarter=2)


def results(period) -> Counter:
    return Counter(
        (card.unit.report_group, "no_tthc" if card.no_tthc else card.band)
        for card in period.scorecards.select_related("unit")
    )


def test_it_reproduces_the_seed_classification_counts(demo):
    assert results(demo) == Counter(
        {
            (ReportGroup.AGENCIES, "Xuất sắc"): 9,
            (ReportGroup.AGENCIES, "no_tthc"): 4,
            (ReportGroup.LOCAL, "Xuất sắc"): 11,
            (ReportGroup.LOCAL, "Tốt"): 8,
        }
    )


def test_it_builds_the_34_units_and_32_approved_scorecards(demo):
    assert Unit.objects.count() == 34
    assert Unit.objects.filter(kind="township").count() == 1
    assert Unit.objects.filter(kind="commune").count() == 18
    assert Unit.objects.filter(kind="agency").count() == 13
    assert set(demo.scorecards.values_list("status", flat=True)) == {ScorecardStatus.APPROVED}
    assert demo.scorecards.count() == 32


def test_no_unit_gets_points_on_criterion_9(demo):
    scored = Score.objects.filter(scorecard__period=demo, scorecard__no_tthc=False)
    assert set(
        scored.filter(criterion__code="9").values_list("reviewed_points", "self_points")
    ) <= {
        (None, Decimal(0)),
        (Decimal(0), Decimal(1)),
    }
    assert not [s for s in scored.filter(criterion__code="9") if s.final_points != 0]


def test_scores_are_varied_and_explained(demo):
    totals = set(demo.scorecards.exclude(no_tthc=True).values_list("final_total", flat=True))
    assert totals == {Decimal(12), Decimal(13), Decimal(14), Decimal(15), Decimal(16)}
    notes = Score.objects.filter(scorecard__period=demo, scorecard__no_tthc=False)
    assert notes.filter(self_note="").count() == 0
    assert len(set(notes.filter(criterion__code="1").values_list("self_note", flat=True))) > 10
    adjusted = notes.exclude(reviewed_points=None)
    assert adjusted.count() == 4
    assert all(score.review_reason for score in adjusted)


def test_exactly_the_seed_communes_have_late_dossiers_most_first(demo):
    late = [
        stats
        for stats in DossierStats.objects.filter(year=2021, quarter=2).select_related("unit")
        if stats.late_total > 0
    ]
    ordered = sorted(late, key=lambda s: -s.late_total)
    assert [s.unit.short_name for s in ordered] == LATE_COMMUNES
    assert len({s.late_total for s in late}) == len(late)  # no ties: the order is unambiguous


def test_only_muong_mun_received_nothing_online(demo):
    no_online = DossierStats.objects.filter(
        year=2021, quarter=2, received_online=0, received_offline__gt=0
    )
    assert [s.unit.short_name for s in no_online] == ["Mường Mùn"]


def test_dossier_figures_add_up(demo):
    for stats in DossierStats.objects.all():
        resolved = stats.resolved_early + stats.resolved_on_time + stats.resolved_overdue
        pending = stats.pending_on_time + stats.pending_overdue
        assert stats.received_total == resolved + pending, stats.unit


def test_every_role_has_a_demo_user_who_can_log_in(demo):
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert Membership.objects.get(user__username="thamdinh").role == Role.REVIEWER
    assert Membership.objects.get(user__username="lanhdao").role == Role.LEADER
    staffed = Membership.objects.filter(role=Role.UNIT_STAFF).values_list("unit_id", flat=True)
    assert set(staffed) == set(Unit.objects.scored().values_list("id", flat=True))
    assert users.get(username="tg-na-tong").check_password(DEMO_PASSWORD)


def test_running_it_twice_adds_nothing(demo):
    counts = (Unit.objects.count(), Scorecard.objects.count(), Score.objects.count())
    users = get_user_model().objects.count()
    call_command("seed_demo", stdout=None)
    assert (Unit.objects.count(), Scorecard.objects.count(), Score.objects.count()) == counts
    assert get_user_model().objects.count() == users
    assert results(demo)[(ReportGroup.LOCAL, "Tốt")] == 8


def test_the_command_prints_the_users_and_password(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert "thamdinh" in out and "lanhdao" in out and "tg-na-tong" in out


# The quarter before, closed: what trends and comparisons of two quarters have to show


@pytest.fixture
def q1(demo):
    return Period.objects.get(organizer__code="tuan-giao", year=2021, quarter=1)


def bands(period) -> dict[str, str]:
    return {
        card.unit.short_name: "no_tthc" if card.no_tthc else card.band
        for card in period.scorecards.select_related("unit")
    }


def test_the_quarter_before_is_closed_its_report_signed_every_scorecard_approved(q1):
    assert q1.status == PeriodStatus.CLOSED
    assert q1.scorecards.count() == 32
    assert set(q1.scorecards.values_list("status", flat=True)) == {ScorecardStatus.APPROVED}
    assert (q1.report.status, q1.report.number) == (ReportStatus.SIGNED, "08")
    assert q1.report.snapshot["period"]["quarter"] == 1


def test_it_was_opened_early_in_april_with_april_deadlines(q1):
    assert q1.created_at.date().isoformat() == "2021-04-02"
    assert (q1.self_deadline.isoformat(), q1.review_deadline.isoformat()) == (
        "2021-04-12",
        "2021-04-20",
    )
    assert "Quý I năm 2021" in q1.basis_document
    assert {c.approved_at.date().isoformat() for c in q1.scorecards.all()} == {"2021-04-20"}


def test_its_classification_counts_differ_from_q2_in_each_group(q1, demo):
    assert results(q1) == Counter(
        {
            (ReportGroup.AGENCIES, "Xuất sắc"): 8,
            (ReportGroup.AGENCIES, "Tốt"): 1,
            (ReportGroup.AGENCIES, "no_tthc"): 4,
            (ReportGroup.LOCAL, "Xuất sắc"): 9,
            (ReportGroup.LOCAL, "Tốt"): 7,
            (ReportGroup.LOCAL, "Khá"): 3,
        }
    )
    for group in ReportGroup:
        assert {k: n for k, n in results(q1).items() if k[0] == group} != {
            k: n for k, n in results(demo).items() if k[0] == group
        }


def test_seven_units_rose_a_band_from_q1_to_q2_and_one_fell(q1, demo):
    before, after = bands(q1), bands(demo)

    assert {unit: (before[unit], after[unit]) for unit in after if before[unit] != after[unit]} == {
        "Phòng Tài chính - Kế hoạch": ("Tốt", "Xuất sắc"),
        "Chiềng Đông": ("Tốt", "Xuất sắc"),
        "Mường Mùn": ("Tốt", "Xuất sắc"),
        "Quài Cang": ("Tốt", "Xuất sắc"),
        "Chiềng Sinh": ("Khá", "Tốt"),
        "Nà Tòng": ("Khá", "Tốt"),
        "Tỏa Tình": ("Khá", "Tốt"),
        "Pú Nhung": ("Xuất sắc", "Tốt"),
    }


def final_points(period, unit_code: str) -> dict[str, Decimal]:
    scores = Score.objects.filter(scorecard__period=period, scorecard__unit__code=unit_code)
    return {s.criterion.code: s.final_points for s in scores.select_related("criterion")}


@pytest.mark.parametrize(
    ("unit_code", "changed"),
    [
        ("tg-tai-chinh-ke-hoach", {"1": (1, 2), "7": (1, 2)}),
        ("tg-chieng-dong", {"7": (1, 2)}),
        ("tg-pu-nhung", {"1": (2, 1)}),
        ("tg-giao-duc-dao-tao", {"6": (2, 1)}),
        ("tg-tu-phap", {}),
    ],
)
def test_a_comparison_can_name_the_criteria_that_changed(q1, demo, unit_code, changed):
    before, after = final_points(q1, unit_code), final_points(demo, unit_code)

    assert {
        code: (before[code], after[code]) for code in after if before[code] != after[code]
    } == changed


def test_no_unit_gets_points_on_criterion_9_in_q1_either(q1):
    scored = Score.objects.filter(
        scorecard__period=q1, scorecard__no_tthc=False, criterion__code="9"
    )
    assert scored.count() == 28
    assert {s.final_points for s in scored} == {Decimal(0)}


def test_q1_has_its_own_dossier_statistics_and_surveys(q1, demo):
    q1_stats = DossierStats.objects.filter(year=2021, quarter=1).select_related("unit")
    q2_stats = {s.unit_id: s for s in DossierStats.objects.filter(year=2021, quarter=2)}
    late = sorted((s for s in q1_stats if s.late_total), key=lambda s: -s.late_total)

    assert q1_stats.count() == q1.scorecards.count()
    assert SurveySummary.objects.filter(year=2021, quarter=1).count() == 28
    assert [(s.unit.short_name, s.late_total) for s in late] == [
        ("Tỏa Tình", 13),
        ("Nà Tòng", 10),
        ("Chiềng Sinh", 8),
        ("Mường Khong", 6),
        ("Quài Tở", 5),
        ("Rạng Đông", 3),
        ("Quài Nưa", 2),
    ]
    assert all(
        s.received_total != q2_stats[s.unit_id].received_total for s in q1_stats if s.received_total
    )


def test_q1_approved_cards_have_evidence_and_a_reviewed_score_has_its_reason(q1):
    for card in q1.scorecards.filter(no_tthc=False):
        required = card.scores.filter(criterion__evidence_required=True)
        assert all(score.evidence.exists() for score in required), card.unit
    adjusted = Score.objects.filter(scorecard__period=q1).exclude(reviewed_points=None)
    assert adjusted.count() == 5
    assert all(score.review_reason for score in adjusted)


# The next quarter, in progress: every role has work


@pytest.fixture
def q3(demo):
    return Period.objects.get(organizer__code="tuan-giao", year=2021, quarter=3)


def test_the_next_quarter_is_in_progress_with_a_realistic_mix(q3):
    statuses = Counter(q3.scorecards.values_list("status", flat=True))

    assert statuses == {"draft": 13, "submitted": 12, "returned": 1, "approved": 6}
    returned = q3.scorecards.get(status="returned")
    assert returned.events.filter(kind="returned").get().note.startswith("Đề nghị bổ sung")


def test_its_deadlines_are_a_few_days_ahead_so_units_can_still_submit(q3):
    from django.utils import timezone

    today = timezone.localdate()
    assert 0 < (q3.self_deadline - today).days <= 7
    assert q3.review_deadline > q3.self_deadline


def test_units_start_from_their_q2_explanations_not_their_points(demo, q3):
    q2_card = demo.scorecards.get(unit__code="tg-quai-cang")
    q3_card = q3.scorecards.get(unit__code="tg-quai-cang")

    assert q3_card.status == "draft"
    assert sorted(q3_card.scores.values_list("criterion__code", "self_note")) == sorted(
        q2_card.scores.values_list("criterion__code", "self_note")
    )
    assert set(q3_card.scores.values_list("self_points", flat=True)) == {None}
    assert q3_card.events.get(kind="opened").after["carried_over"]


def test_the_next_quarter_has_dossier_statistics_for_every_unit(q3):
    assert DossierStats.objects.filter(year=2021, quarter=3).count() == q3.scorecards.count()


def test_approved_and_submitted_cards_have_evidence_where_it_is_required(demo, q3):
    for period in (demo, q3):
        for card in period.scorecards.filter(status__in=["approved", "submitted"], no_tthc=False):
            required = card.scores.filter(criterion__evidence_required=True)
            assert required.exists()
            assert all(score.evidence.exists() for score in required), card.unit


def test_every_demo_user_has_an_e_mail_address(demo):
    assert not get_user_model().objects.filter(email="").exists()
    assert get_user_model().objects.get(username="thamdinh").email == "thamdinh@tuangiao.example"
