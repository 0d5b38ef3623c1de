"""Suggestion rules in criteria-set files: the loader's checks, the formulas' arithmetic and a
QĐ 766 quarter whose every indicator is suggested from imported figures.

Loader reasons are asserted in English (``translation.override("en")``); the texts a formula
writes are asserted in both languages.
"""

import random
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.utils import translation

from criteria.loader import CriteriaFileError, load_criteria_file, parse_criteria_file
from criteria.models import CriteriaSet, Criterion
from imports import domain as imports
from imports.tables import read_table
from scoring.domain import refresh_suggestions
from scoring.models import IndicatorFigure, Score
from scoring.periods import open_period
from scoring.resources import IndicatorFigureResource
from scoring.suggestions import QuarterFigures, suggest
from tests.factories import MembershipFactory, district
from units.models import Role

SETS = Path(settings.BASE_DIR) / "criteria" / "sets"
TT01_FILE = SETS / "tt01-2018-dien-bien.yaml"
QD766_FILE = SETS / "qd766-2022.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def qd766() -> dict:
    return yaml.safe_load(QD766_FILE.read_text(encoding="utf-8"))


def tt01() -> dict:
    return yaml.safe_load(TT01_FILE.read_text(encoding="utf-8"))


def leaf(data: dict, code: str) -> dict:
    for group in data["criteria"]:
        for child in group.get("children", []):
            if child["code"] == code:
                return child
    raise KeyError(code)


def refused(tmp_path: Path, data: dict) -> CriteriaFileError:
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = CriteriaSet.objects.count(), Criterion.objects.count()
    with pytest.raises(CriteriaFileError) as info:
        load_criteria_file(path)
    assert (CriteriaSet.objects.count(), Criterion.objects.count()) == before
    return info.value


def with_rule(code: str, rule, data: dict | None = None) -> dict:
    data = data or qd766()
    leaf(data, code)["suggestion"] = rule
    return data


SYNCED = {"formula": "ratio", "numerator": "dossiers_synced", "denominator": "dossiers_received"}


# --- The loader ------------------------------------------------------------------------------


def test_the_shipped_766_set_gives_every_indicator_a_formula_over_figures():
    parsed = parse_criteria_file(QD766_FILE)

    leaves = [c for group in parsed.criteria for c in group.children]
    assert len(leaves) == 15
    assert all(c.suggestion and c.suggestion["formula"] in {"ratio", "deduction"} for c in leaves)
    assert all(group.suggestion is None for group in parsed.criteria)


def test_a_formula_is_stored_normalised(tmp_path):
    rule = {
        "formula": "ratio",
        "label": " Đồng bộ ",
        "numerator": "dossiers_synced",
        "denominator": ["dossiers_received", "-dossiers_withdrawn"],
        "thresholds": [[0.9, 6], {"min": 0.5, "points": 3}],
    }
    path = tmp_path / "set.yaml"
    data = with_rule("1.2", rule)
    data["version"] = 9
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    criteria_set = load_criteria_file(path).criteria_set

    stored = criteria_set.criteria.get(code="1.2").suggestion_rule
    assert stored == {
        "formula": "ratio",
        "label": "Đồng bộ",
        "numerator": ["dossiers_synced"],
        "denominator": ["dossiers_received", "-dossiers_withdrawn"],
        "thresholds": [{"min": "0.9", "points": "6"}, {"min": "0.5", "points": "3"}],
        "otherwise": "0",
    }


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        (
            {**SYNCED, "formula": "sum"},
            "unknown formula “sum” in “suggestion”; known: deduction, ratio",
        ),
        (
            {**SYNCED, "statistic": "online_service"},
            "“suggestion” needs either “statistic” or “formula”, not both",
        ),
        (
            {"numerator": "a", "denominator": "b"},
            "“suggestion” needs either “statistic” or “formula”, not both",
        ),
        ({**SYNCED, "weight": 2}, "unknown field “suggestion.weight”"),
        ({"formula": "ratio", "denominator": "b"}, "missing field “suggestion.numerator”"),
        ({**SYNCED, "denominator": []}, "missing field “suggestion.denominator”"),
        (
            {**SYNCED, "numerator": "Hồ sơ đồng bộ"},
            "“suggestion.numerator”: “Hồ sơ đồng bộ” is not a figure name (lower-case letters, "
            "digits, “_” and “-”, at most 60 characters; “-” before it subtracts it)",
        ),
        (
            {**SYNCED, "numerator": ["a", 3]},
            "“suggestion.numerator”: “3” is not a figure name (lower-case letters, digits, “_” and "
            "“-”, at most 60 characters; “-” before it subtracts it)",
        ),
        (
            {**SYNCED, "label": "x" * 101},
            "“suggestion.label” must be a text of at most 100 characters",
        ),
        (
            {**SYNCED, "thresholds": "0.9: 6"},
            "“suggestion.thresholds” must be a non-empty list of [share, points] pairs or of "
            "{min: share, points: p} or {below: share, points: p} mappings",
        ),
        (
            {**SYNCED, "thresholds": [[0.9, 6, 1]]},
            "“suggestion.thresholds” must be a non-empty list of [share, points] pairs or of "
            "{min: share, points: p} or {below: share, points: p} mappings",
        ),
        (
            {**SYNCED, "thresholds": [{"above": 0.9, "points": 6}]},
            "“suggestion.thresholds” must be a non-empty list of [share, points] pairs or of "
            "{min: share, points: p} or {below: share, points: p} mappings",
        ),
        (
            {**SYNCED, "thresholds": [[90, 6]]},
            "“suggestion.thresholds[0].min” must be a share from 0 to 1, e.g. 0.3 for 30%: 90",
        ),
        (
            {**SYNCED, "thresholds": [["hai", 6]]},
            "“suggestion.thresholds[0].min” must be a share from 0 to 1, e.g. 0.3 for 30%: hai",
        ),
        (
            {**SYNCED, "thresholds": [[0.9, 7]]},
            "“suggestion.thresholds[0].points” 7 is above max_points 6",
        ),
        (
            {**SYNCED, "thresholds": [[0.9, 5.555]]},
            "“suggestion.thresholds[0].points” must be below 10000 with at most 2 decimal places",
        ),
        (
            {**SYNCED, "thresholds": [[0.5, 3], [0.9, 6]]},
            "“suggestion.thresholds” must go from the highest “min” down",
        ),
        (
            {**SYNCED, "thresholds": [[0.9, 6], [0.9, 3]]},
            "“suggestion.thresholds” must go from the highest “min” down",
        ),
        (
            {**SYNCED, "thresholds": [{"below": 0.1, "points": 6}, {"below": 0.05, "points": 3}]},
            "“suggestion.thresholds” must go from the lowest “below” up",
        ),
        (
            {**SYNCED, "thresholds": [[0.9, 6], {"below": 0.1, "points": 0}]},
            "“suggestion.thresholds” must not mix “min” and “below”",
        ),
        ({**SYNCED, "otherwise": 1}, "“suggestion.otherwise” needs “suggestion.thresholds”"),
        ({**SYNCED, "when_empty": -1}, "“suggestion.when_empty” must not be below zero"),
        ({**SYNCED, "when_empty": 6.5}, "“suggestion.when_empty” 6.5 is above max_points 6"),
        ("dossiers_synced / dossiers_received", "“suggestion” must be a mapping"),
        (
            {"statistic": "timeliness"},
            "unknown statistic “timeliness” in “suggestion”; known: dossier_timeliness, "
            "online_service, survey_average",
        ),
    ],
)
def test_the_loader_refuses_a_bad_formula_naming_the_criterion(tmp_path, rule, reason):
    error = refused(tmp_path, with_rule("1.2", rule))

    assert (error.item, error.reason) == ("criterion 1.2", reason)


def test_threshold_points_must_be_a_multiple_of_the_criterion_step(tmp_path):
    rule = {"formula": "ratio", "numerator": "a", "denominator": "b", "thresholds": [[1, 3.75]]}

    error = refused(tmp_path, with_rule("5.3", rule))

    assert (error.item, error.reason) == (
        "criterion 5.3",
        "“suggestion.thresholds[0].points” 3.75 is not a multiple of the step 0.5",
    )


def test_a_criterion_with_fixed_values_needs_thresholds_and_takes_only_those_values(tmp_path):
    data = tt01()
    data["criteria"][1]["suggestion"] = {"formula": "ratio", "numerator": "a", "denominator": "b"}

    error = refused(tmp_path, data)

    assert (error.item, error.reason) == (
        "criterion 2",
        "the criterion allows only 0, 1, 2 points: give “suggestion.thresholds”",
    )
    data["criteria"][1]["suggestion"]["thresholds"] = [[0.9, 1.5]]
    error = refused(tmp_path, data)
    assert (
        error.reason == "“suggestion.thresholds[0].points” 1.5 is not one of the criterion's values"
    )


def test_a_group_cannot_carry_a_suggestion(tmp_path):
    data = qd766()
    data["criteria"][0]["suggestion"] = SYNCED

    error = refused(tmp_path, data)

    assert (error.item, error.reason) == (
        "criterion 1",
        "a group is not scored: give “suggestion” to its criteria",
    )


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        (
            {"statistic": "online_service", "full_dossier_share": 30},
            "“suggestion.full_dossier_share” must be a share from 0 to 1, e.g. 0.3 for 30%: 30",
        ),
        (
            {"statistic": "online_service", "full_share": 0.3},
            "unknown parameter “suggestion.full_share” of statistic online_service",
        ),
        (
            {"statistic": "dossier_timeliness", "late_tolerance": True},
            "“suggestion.late_tolerance” must be a share from 0 to 1, e.g. 0.3 for 30%: True",
        ),
    ],
)
def test_the_loader_checks_a_statistic_and_its_thresholds(tmp_path, rule, reason):
    data = tt01()
    data["criteria"][8]["suggestion"] = rule

    error = refused(tmp_path, data)

    assert (error.item, error.reason) == ("criterion 9", reason)


# --- The arithmetic --------------------------------------------------------------------------


def criterion(rule: dict, max_points="6", step="0.01", short_title="Đồng bộ") -> Criterion:
    return Criterion(
        code="1.2",
        title="Đồng bộ hồ sơ",
        short_title=short_title,
        max_points=Decimal(max_points),
        step=Decimal(step),
        suggestion_rule=rule,
    )


def figures(**values) -> QuarterFigures:
    return QuarterFigures(
        figures={
            name: IndicatorFigure(name=name, value=Decimal(str(value)), import_batch_id=i)
            for i, (name, value) in enumerate(values.items(), start=7)
        }
    )


RATIO = {"formula": "ratio", "label": "", "numerator": ["a"], "denominator": ["b"]}


@pytest.mark.parametrize(
    ("a", "b", "points"),
    [
        (95, 100, "5.70"),
        (2, 3, "4.00"),
        (1, 3, "2.00"),
        (1, 200, "0.03"),
        (1, 1200, "0.01"),
        (1, 1201, "0.00"),
        (0, 5, "0"),
        (120, 100, "6"),
        (100, 100, "6"),
    ],
)
def test_without_thresholds_points_are_max_times_the_ratio_rounded_half_up_to_the_step(
    a, b, points
):
    found = suggest(criterion(RATIO), figures(a=a, b=b))

    assert found.points == Decimal(points)


def test_a_ratio_on_a_half_point_step_rounds_to_the_nearest_half():
    found = suggest(criterion(RATIO, max_points="4", step="0.5"), figures(a=70, b=100))

    assert found.points == Decimal("3")  # 4 × 0.7 = 2.8 → 3


def test_the_text_names_the_figures_and_the_arithmetic_in_either_language():
    rule = {**RATIO, "label": "Đồng bộ"}

    english = suggest(criterion(rule, max_points="2"), figures(a=95, b=100))
    with translation.override("vi"):
        vietnamese = suggest(criterion(rule, max_points="2"), figures(a=95, b=100))

    assert english.source == "Đồng bộ: 95/100 = 95.0% → 1.9 points."
    assert vietnamese.source == "Đồng bộ: 95/100 = 95,0% → 1,9 điểm."
    assert english.batch_id == 8  # the later of the two figures' imports


@pytest.mark.parametrize(
    ("a", "points"),
    [(100, "6"), (90, "6"), (89.99, "3"), (50, "3"), (49, "1")],
)
def test_min_thresholds_give_the_points_of_the_first_that_holds_else_otherwise(a, points):
    rule = {**RATIO, "thresholds": [{"min": "0.9", "points": "6"}, {"min": "0.5", "points": "3"}]}
    rule["otherwise"] = "1"

    assert suggest(criterion(rule), figures(a=a, b=100)).points == Decimal(points)


@pytest.mark.parametrize(
    ("overdue", "points"),
    [
        (0, "4"),
        (4.99, "4"),
        (5, "3.5"),
        (9.99, "3.5"),
        (10, "3"),
        (35, "0.5"),
        (39.99, "0.5"),
        (40, "0"),
        (100, "0"),
    ],
)
def test_the_766_complaints_rule_takes_half_a_point_for_each_full_five_percent(overdue, points):
    rule = next(
        c.suggestion
        for g in parse_criteria_file(QD766_FILE).criteria
        for c in g.children
        if c.code == "5.3"
    )

    found = suggest(
        criterion(rule, max_points="4", step="0.5"),
        figures(complaints_overdue=overdue, complaints=100),
    )

    assert found.points == Decimal(points)


def test_nothing_to_count_gives_when_empty_points_or_no_points_with_a_note():
    with_empty = {**RATIO, "label": "Xin lỗi", "when_empty": "4"}

    full = suggest(criterion(with_empty, max_points="4"), figures(a=0, b=0))
    none = suggest(criterion({**RATIO, "label": "Xin lỗi"}, max_points="4"), figures(a=0, b=0))

    assert (full.points, full.source) == (Decimal(4), "Xin lỗi: nothing to count → 4 points.")
    assert (none.points, none.source) == (None, "Xin lỗi: 0/0, nothing to count.")


def test_a_deduction_counts_the_ratio_against_the_maximum_and_never_below_zero_or_above_it():
    rule = {
        "formula": "deduction",
        "label": "Vượt thời gian",
        "numerator": ["days_taken", "-days_allowed"],
        "denominator": ["days_allowed"],
    }
    over = suggest(criterion(rule, max_points="4"), figures(days_taken=12.5, days_allowed=10))
    under = suggest(criterion(rule, max_points="4"), figures(days_taken=8, days_allowed=10))
    double = suggest(criterion(rule, max_points="4"), figures(days_taken=25, days_allowed=10))

    assert (over.points, over.source) == (
        Decimal("3"),
        "Vượt thời gian: 2.5/10 = 25.0% → 3 points.",
    )
    assert under.points == Decimal(4)
    assert double.points == Decimal(0)


def test_a_missing_figure_is_named_and_suggests_nothing():
    found = suggest(criterion({**RATIO, "label": "Đồng bộ"}), figures(a=3))

    assert (found.points, found.source, found.batch_id) == (
        None,
        "Đồng bộ: figures missing: b.",
        None,
    )


def test_a_unit_without_any_figure_gets_no_suggestion_at_all():
    assert suggest(criterion(RATIO), QuarterFigures()) is None


def test_the_label_defaults_to_the_criterion_short_title():
    found = suggest(criterion(RATIO, short_title="Đồng bộ hồ sơ"), figures(a=1, b=2))

    assert found.source == "Đồng bộ hồ sơ: 1/2 = 50.0% → 3 points."


# --- A QĐ 766 quarter on generated figures ---------------------------------------------------


def _share(a: Decimal, b: Decimal) -> Decimal:
    return min(max(a / b, Decimal(0)), Decimal(1))


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _times(max_points: int, a: str, b: str):
    return lambda f: _cents(max_points * _share(f[a], f[b]))


def _time_overrun(f) -> Decimal:
    return _cents(4 * (1 - _share(f["days_taken"] - f["days_allowed"], f["days_allowed"])))


def _apologies(f) -> Decimal:
    if not f["dossiers_overdue"]:
        return Decimal(4)
    return _cents(4 * _share(f["overdue_apologised"], f["dossiers_overdue"]))


def _complaints(f) -> Decimal:
    if not f["complaints"]:
        return Decimal(4)
    steps = (f["complaints_overdue"] / f["complaints"] / Decimal("0.05")).to_integral_value(
        rounding=ROUND_FLOOR
    )
    return max(Decimal(4) - Decimal("0.5") * steps, Decimal(0))


# The Decision's formulas, written out by hand (criteria/sets/qd766-2022.yaml says the same).
BY_HAND = {
    "1.1": _times(6, "procedures_published_on_time", "procedures_to_publish"),
    "1.2": _times(6, "dossiers_synced", "dossiers_received"),
    "1.3": _times(6, "dossiers_progress_public", "dossiers_received"),
    "2.1": _times(12, "dossiers_resolved_on_time", "dossiers_resolved"),
    "2.2": _time_overrun,
    "2.3": _apologies,
    "3.1": _times(8, "dossiers_digitised", "dossiers_received"),
    "3.2": _times(8, "results_digitised", "dossiers_resolved"),
    "3.3": _times(6, "dossiers_reusing_data", "dossiers_received"),
    "4.1": _times(8, "procedures_online", "procedures_eligible_online"),
    "4.2": _times(10, "dossiers_online", "dossiers_of_online_procedures"),
    "4.3": _times(4, "payments_online", "payments_due"),
    "5.1": _times(8, "ratings_satisfied", "ratings"),
    "5.2": _times(6, "online_ratings_satisfied", "online_ratings"),
    "5.3": _complaints,
}


def generated_figures(rng: random.Random, quiet: bool = False) -> dict[str, Decimal]:
    """One unit's quarter: counts that hang together; ``quiet``: nothing overdue, no
    complaint."""
    received = rng.randint(20, 400)
    resolved = rng.randint(10, received)
    overdue = 0 if quiet else rng.randint(0, resolved // 5)
    procedures = rng.randint(30, 150)
    eligible = rng.randint(10, procedures)
    online_procedures_dossiers = rng.randint(5, received)
    payments = rng.randint(1, received)
    ratings = rng.randint(5, 300)
    online_ratings = rng.randint(1, ratings)
    complaints = 0 if quiet else rng.randint(1, 40)
    allowed = Decimal(rng.randint(3, 20))
    figures = {
        "procedures_to_publish": procedures,
        "procedures_published_on_time": rng.randint(0, procedures),
        "dossiers_received": received,
        "dossiers_synced": rng.randint(0, received),
        "dossiers_progress_public": rng.randint(0, received),
        "dossiers_resolved": resolved,
        "dossiers_resolved_on_time": resolved - overdue,
        "days_allowed": allowed,
        "days_taken": allowed * Decimal(rng.randint(50, 180)) / 100,
        "dossiers_overdue": overdue,
        "overdue_apologised": rng.randint(0, overdue),
        "dossiers_digitised": rng.randint(0, received),
        "results_digitised": rng.randint(0, resolved),
        "dossiers_reusing_data": rng.randint(0, received),
        "procedures_eligible_online": eligible,
        "procedures_online": rng.randint(0, eligible),
        "dossiers_of_online_procedures": online_procedures_dossiers,
        "dossiers_online": rng.randint(0, online_procedures_dossiers),
        "payments_due": payments,
        "payments_online": rng.randint(0, payments),
        "ratings": ratings,
        "ratings_satisfied": rng.randint(0, ratings),
        "online_ratings": online_ratings,
        "online_ratings_satisfied": rng.randint(0, online_ratings),
        "complaints": complaints,
        "complaints_overdue": rng.randint(0, complaints),
    }
    return {name: Decimal(value) for name, value in figures.items()}


def csv_of(rows: dict, year=2024, quarter=1) -> bytes:
    lines = ["Mã đơn vị,Năm,Quý,Số liệu,Giá trị"]
    for unit, values in rows.items():
        lines += [f"{unit.code},{year},{quarter},{name},{value}" for name, value in values.items()]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Quarter:
    period: object
    figures: dict
    batch: object


@pytest.fixture
def quarter_766(db) -> Quarter:
    d = district(n_communes=5, n_agencies=3)
    criteria_set = load_criteria_file(QD766_FILE).criteria_set
    rng = random.Random(766)
    figures = {unit: generated_figures(rng, quiet=(i == 0)) for i, unit in enumerate(d.scored)}
    period = open_period(d.district, 2024, 1, criteria_set)
    reviewer = MembershipFactory(unit=d.district, role=Role.REVIEWER).user
    content = csv_of(figures)
    applied = imports.apply(
        IndicatorFigureResource(),
        read_table("chi-so-766-q1.csv", content),
        file_name="chi-so-766-q1.csv",
        content=content,
        user=reviewer,
    )
    return Quarter(period, figures, applied.batch)


def test_a_766_quarter_gets_every_indicator_suggested_as_computed_by_hand(quarter_766):
    scores = Score.objects.filter(scorecard__period=quarter_766.period).select_related(
        "criterion", "scorecard__unit"
    )

    got = {(s.scorecard.unit, s.criterion.code): s.suggested_points for s in scores}
    expected = {
        (unit, code): by_hand(values)
        for unit, values in quarter_766.figures.items()
        for code, by_hand in BY_HAND.items()
    }
    assert got == expected
    assert len(got) == 8 * 15


def test_every_766_suggestion_names_its_figures_and_comes_from_the_imported_file(quarter_766):
    scores = Score.objects.filter(scorecard__period=quarter_766.period)

    assert {s.suggestion_batch_id for s in scores} == {quarter_766.batch.pk}
    assert all(s.suggestion_source for s in scores)


def test_the_766_text_shows_the_inputs_in_vietnamese(quarter_766):
    unit, values = next(iter(quarter_766.figures.items()))
    score = Score.objects.get(
        scorecard__period=quarter_766.period, scorecard__unit=unit, criterion__code="1.2"
    )

    with translation.override("vi"):
        refresh_suggestions(quarter_766.period)

    score.refresh_from_db()
    synced, received = values["dossiers_synced"], values["dossiers_received"]
    percent = f"{_share(synced, received) * 100:.1f}".replace(".", ",")
    points = format(score.suggested_points.normalize(), "f").replace(".", ",")
    assert score.suggestion_source == (
        f"Đồng bộ lên Cổng DVC quốc gia: {synced}/{received} = {percent}% → {points} điểm."
    )


def test_a_quiet_unit_gets_full_points_where_nothing_was_overdue(quarter_766):
    quiet = next(iter(quarter_766.figures))
    scores = dict(
        Score.objects.filter(scorecard__period=quarter_766.period, scorecard__unit=quiet)
        .filter(criterion__code__in=["2.3", "5.3"])
        .values_list("criterion__code", "suggested_points")
    )

    assert scores == {"2.3": Decimal(4), "5.3": Decimal(4)}


def test_importing_new_figures_changes_the_766_suggestions_and_their_batch(quarter_766):
    unit = next(iter(quarter_766.figures))
    content = (
        "unit,year,quarter,name,value\n"
        f"{unit.code},2024,1,dossiers_synced,{quarter_766.figures[unit]['dossiers_received']}\n"
    ).encode()

    second = imports.apply(
        IndicatorFigureResource(),
        read_table("bo-sung.csv", content),
        file_name="bo-sung.csv",
        content=content,
    ).batch

    score = Score.objects.get(
        scorecard__period=quarter_766.period, scorecard__unit=unit, criterion__code="1.2"
    )
    other = Score.objects.get(
        scorecard__period=quarter_766.period, scorecard__unit=unit, criterion__code="1.1"
    )
    assert (score.suggested_points, score.suggestion_batch) == (Decimal(6), second)
    assert other.suggestion_batch == quarter_766.batch
