"""Classifying a total into a band, and the points a criterion allows."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from criteria.loader import load_criteria_file
from criteria.models import Criterion, classify

SETS = Path(settings.BASE_DIR) / "criteria" / "sets"
TT01_FILE = SETS / "tt01-2018-dien-bien.yaml"
QD766_FILE = SETS / "qd766-2022.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def snapshot(path: Path) -> list[dict]:
    """The bands as a period snapshots them, after a round trip through the database."""
    return [band.snapshot() for band in load_criteria_file(path).criteria_set.bands.all()]


@pytest.fixture
def tt01_bands():
    return snapshot(TT01_FILE)


@pytest.fixture
def qd766_bands():
    return snapshot(QD766_FILE)


@pytest.fixture
def criteria():
    load_criteria_file(TT01_FILE)
    load_criteria_file(QD766_FILE)
    return {
        (c.criteria_set.code, c.code): c for c in Criterion.objects.select_related("criteria_set")
    }


def expected_label(total: Decimal, path: Path) -> str:
    """The band whose [min, below) holds ``total``, read straight from the YAML file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["bands"]
    matching = [
        band["label"]
        for band in raw
        if Decimal(str(band["min"])) <= total
        and ("below" not in band or total < Decimal(str(band["below"])))
    ]
    assert len(matching) == 1, (total, matching)
    return matching[0]


# --- classify ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "label"),
    [
        ("18", "Xuất sắc"),
        ("15", "Xuất sắc"),
        ("14.99", "Tốt"),
        ("12", "Tốt"),
        ("11.99", "Khá"),
        ("9", "Khá"),
        ("8.99", "Trung bình"),
        ("6", "Trung bình"),
        ("5.99", "Yếu"),
        ("0.01", "Yếu"),
        ("0", "Yếu"),
    ],
)
def test_it_classifies_a_tt01_total_on_each_band_bound(tt01_bands, total, label):
    assert classify(Decimal(total), tt01_bands) == label


def test_it_classifies_no_total_as_no_band(tt01_bands):
    assert classify(None, tt01_bands) == ""


def test_it_classifies_a_negative_total_as_no_band(tt01_bands):
    assert classify(Decimal("-0.01"), tt01_bands) == ""


def test_the_order_of_the_snapshot_does_not_matter(tt01_bands):
    reversed_bands = list(reversed(tt01_bands))

    labels = [classify(Decimal(total), reversed_bands) for total in ("15", "14.99", "6", "0")]

    assert labels == ["Xuất sắc", "Tốt", "Trung bình", "Yếu"]


@pytest.mark.parametrize(
    ("total", "label"),
    [
        ("100", "Xuất sắc"),
        ("90", "Xuất sắc"),
        ("89.99", "Tốt"),
        ("80", "Tốt"),
        ("79.99", "Khá"),
        ("70", "Khá"),
        ("69.99", "Trung bình"),
        ("50", "Trung bình"),
        ("49.99", "Yếu"),
        ("0", "Yếu"),
    ],
)
def test_it_classifies_a_766_total_on_each_band_bound(qd766_bands, total, label):
    assert classify(Decimal(total), qd766_bands) == label


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    total=st.decimals(min_value=0, max_value=18, places=2, allow_nan=False, allow_infinity=False)
)
def test_every_tt01_total_falls_in_the_band_whose_bounds_hold_it(tt01_bands, total):
    assert classify(total, tt01_bands) == expected_label(total, TT01_FILE)


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    total=st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
)
def test_every_766_total_falls_in_the_band_whose_bounds_hold_it(qd766_bands, total):
    assert classify(total, qd766_bands) == expected_label(total, QD766_FILE)


# --- Criterion.validate_points -------------------------------------------------------------------


def rejection(criterion: Criterion, value: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        criterion.validate_points(Decimal(value))
    return info.value


@pytest.mark.parametrize("value", ["0", "1", "2", "2.00"])
def test_a_tt01_criterion_accepts_its_allowed_values(criteria, value):
    criteria["TT01-2018-DB", "1"].validate_points(Decimal(value))


@pytest.mark.parametrize("value", ["0.5", "1.5", "1.01"])
def test_a_tt01_criterion_refuses_a_value_it_does_not_allow(criteria, value):
    error = rejection(criteria["TT01-2018-DB", "1"], value)

    assert error.code == "not_allowed"
    assert error.messages == ["Criterion 1: points must be one of 0, 1, 2."]


@pytest.mark.parametrize("value", ["-1", "-0.01", "2.01", "3"])
def test_a_tt01_criterion_refuses_points_out_of_range(criteria, value):
    error = rejection(criteria["TT01-2018-DB", "9"], value)

    assert error.code == "out_of_range"
    assert error.messages == ["Criterion 9: points must be between 0 and 2."]


@pytest.mark.parametrize("value", ["0", "0.01", "7.35", "11.99", "12"])
def test_a_766_criterion_accepts_any_hundredth_within_range(criteria, value):
    criteria["QD766-2022", "2.1"].validate_points(Decimal(value))


@pytest.mark.parametrize("value", ["7.355", "0.001", "11.999"])
def test_a_766_criterion_refuses_points_finer_than_its_step(criteria, value):
    error = rejection(criteria["QD766-2022", "2.1"], value)

    assert error.code == "bad_step"
    assert error.messages == ["Criterion 2.1: points must be a multiple of 0.01."]


def test_a_766_criterion_refuses_points_above_its_maximum(criteria):
    error = rejection(criteria["QD766-2022", "2.1"], "12.01")

    assert error.code == "out_of_range"
    assert error.messages == ["Criterion 2.1: points must be between 0 and 12."]


@pytest.mark.parametrize("value", ["0", "0.5", "3.5", "4"])
def test_a_half_point_step_accepts_halves(criteria, value):
    criteria["QD766-2022", "5.3"].validate_points(Decimal(value))


@pytest.mark.parametrize("value", ["0.25", "3.01", "3.75"])
def test_a_half_point_step_refuses_anything_finer(criteria, value):
    error = rejection(criteria["QD766-2022", "5.3"], value)

    assert error.code == "bad_step"
    assert error.messages == ["Criterion 5.3: points must be a multiple of 0.5."]
