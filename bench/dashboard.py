"""Time the dashboards: a district of many units over two quarters, and a province of many
districts.

    .venv/bin/python bench/dashboard.py [--units 600] [--districts 10] [--per-district 100]
                                        [--requests 20]

Builds a throwaway SQLite database (or uses DATABASE_URL, see bench/README.md): one district
with ``--units`` units scored and approved in two quarters (so the trend and the comparison
have something to show), and a province of ``--districts`` districts of ``--per-district``
units, one approved quarter each. Then requests, as the district's leader, the period
dashboard, the comparison with the quarter before and one unit's results over time, and as
the province's leader the province view; prints the median and p90 server time, the queries
per request and the response size.
"""

import argparse
import shutil

from board import configure, measure, migrate_and_build, print_table
from district import QUARTER, YEAR, build_district, load_criteria_set, score_at_random


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=600, help="units of the district (600)")
    parser.add_argument("--districts", type=int, default=10, help="districts of the province")
    parser.add_argument("--per-district", type=int, default=100, help="units per district")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the points")
    args = parser.parse_args()
    if args.units < 4 or args.districts < 1 or args.per_district < 4 or args.requests < 1:
        parser.error("need --units >= 4, --districts >= 1, --per-district >= 4, --requests >= 1")
    return args


def approve_all(period) -> None:
    """Every scorecard approved as self-scored (the bench times reading, not reviewing)."""
    from django.utils import timezone

    from scoring.models import ScorecardStatus

    now = timezone.now()
    period.scorecards.update(status=ScorecardStatus.APPROVED, submitted_at=now, approved_at=now)


def leader_of(unit, name: str):
    from django.contrib.auth.models import User

    from units.models import Membership, Role

    user = User.objects.create_user(name)  # no usable password: the bench logs in directly
    Membership.objects.create(user=user, unit=unit, role=Role.LEADER)
    return user


def build(args):
    from scoring.periods import open_period
    from units.models import Unit, UnitKind

    run, district, current, _agencies, _n, rng = build_district(args.units, args.seed, "D")
    earlier = open_period(district, YEAR, QUARTER - 1, load_criteria_set())
    score_at_random(earlier, rng)
    for period in (earlier, current):
        approve_all(period)
    unit = current.scorecards.order_by("unit__order").last().unit
    district_leader = leader_of(district, f"{run.lower()}-leader")

    province = Unit.objects.create(
        code=f"{run}-PV", name="Tỉnh Bench lớn", short_name="Bench lớn", kind=UnitKind.PROVINCE
    )
    for index in range(args.districts):
        _run, _district, period, *_rest = build_district(
            args.per_district, args.seed + 10 + index, f"P{index}", province=province
        )
        approve_all(period)
    province_leader = leader_of(province, f"{run.lower()}-province")
    return current, unit, province, district_leader, province_leader


def main() -> None:
    args = parse_args()
    folder, database = configure()
    try:
        from django.test import Client
        from django.urls import reverse

        (period, unit, province, district_leader, province_leader), took = migrate_and_build(
            build, args
        )

        client = Client()
        client.force_login(district_leader)
        pages = [
            ("dashboard", reverse("dashboards:period", args=[period.pk])),
            ("compare", reverse("dashboards:compare", args=[period.pk])),
            ("unit results", reverse("dashboards:unit", args=[unit.pk])),
        ]
        results = [(name, measure(client, url, args.requests)) for name, url in pages]
        client.force_login(province_leader)
        province_url = reverse("dashboards:province", args=[province.pk])
        results.append(("province", measure(client, province_url, args.requests)))

        print(
            f"TTHC dashboards bench: a district of {args.units} units over two approved "
            f"quarters; a province of {args.districts} districts × {args.per_district} units"
        )
        print(f"database: {database}\n{took}\n")
        print_table(results, args.requests)
    finally:
        if folder:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
