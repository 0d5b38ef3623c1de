"""The district the benchmarks build: province → district → N units (one quarter self-scored)."""

import random
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CRITERIA_FILE = BASE_DIR / "criteria" / "sets" / "tt01-2018-dien-bien.yaml"
YEAR, QUARTER = 2021, 2


def build_units(n_units: int, prefix: str, province=None):
    """Province (a new one unless given) → district → ``n_units`` scored units (a quarter
    agencies, the rest communes, wards and townships, in that rotation), with unique codes.

    Returns (run code, district, number of agencies).
    """
    from units.models import Unit, UnitKind

    run = f"{prefix}{time.time_ns() % 10**8:08d}"  # unique codes: a non-empty database works too
    if province is None:
        province = Unit.objects.create(
            code=f"{run}-P", name="Tỉnh Bench", short_name="Bench", kind=UnitKind.PROVINCE
        )
    district = Unit.objects.create(
        code=f"{run}-D",
        name="Huyện Bench",
        short_name="Bench",
        kind=UnitKind.DISTRICT,
        parent=province,
    )
    n_agencies = n_units // 4
    kinds = [UnitKind.AGENCY] * n_agencies + [
        (UnitKind.COMMUNE, UnitKind.COMMUNE, UnitKind.WARD, UnitKind.TOWNSHIP)[i % 4]
        for i in range(n_units - n_agencies)
    ]
    Unit.objects.bulk_create(
        Unit(
            code=f"{run}-{i:05d}",
            name=f"{'Phòng' if kind == UnitKind.AGENCY else 'Xã'} Bench {i}",
            short_name=f"Bench {i}",
            kind=kind,
            parent=district,
            order=i,
        )
        for i, kind in enumerate(kinds)
    )
    return run, district, n_agencies


def load_criteria_set():
    """The shipped TT01 set (9 criteria), loaded or updated from its YAML file."""
    from criteria.loader import load_criteria_file

    return load_criteria_file(CRITERIA_FILE).criteria_set


def build_district(n_units: int, seed: int, prefix: str, *, skip_cards=frozenset(), province=None):
    """A quarter of the TT01 set for ``n_units`` units (a quarter agencies), self-scored at
    random except the scorecards whose ids ``skip_cards(period)`` returns.

    Returns (run code, district, period, number of agencies, number of scores filled).
    """
    from scoring.periods import open_period

    run, district, n_agencies = build_units(n_units, prefix, province)
    criteria_set = load_criteria_set()
    period = open_period(district, YEAR, QUARTER, criteria_set)
    skipped = skip_cards(period) if callable(skip_cards) else set(skip_cards)
    rng = random.Random(seed)
    filled = score_at_random(period, rng, skipped)
    return run, district, period, n_agencies, filled, rng


def score_at_random(period, rng: random.Random, skipped=frozenset()) -> int:
    """Self-score every scorecard of the period at random (0, 1 or 2, mostly 2) but the
    ``skipped`` ones; return the number of scores filled."""
    from scoring.domain import refresh_results
    from scoring.models import Score

    scores = list(
        Score.objects.filter(scorecard__period=period).exclude(scorecard_id__in=skipped).only("id")
    )
    for score in scores:
        score.self_points = Decimal(rng.choice((0, 1, 2, 2, 2)))
        score.self_note = "Theo sổ theo dõi hồ sơ"
    Score.objects.bulk_update(scores, ["self_points", "self_note"], batch_size=1000)
    refresh_results(period)
    return len(scores)
