"""Time the period board and a review page for a district with many units.

    .venv/bin/python bench/board.py [--units 600] [--requests 20] [--keep]

Builds a throwaway SQLite database (or uses DATABASE_URL, see bench/README.md), fills one
quarter of the shipped TT01 criteria set for ``--units`` units, then requests each page
``--requests`` times through ``django.test.Client`` as a district reviewer and prints the
median and p90 server time, the queries per request and the response size.
"""

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from district import BASE_DIR, build_district


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=600, help="scored units (default 600)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the points")
    parser.add_argument(
        "--keep", action="store_true", help="keep the throwaway SQLite file and print its path"
    )
    args = parser.parse_args()
    if args.units < 3 or args.requests < 1:
        parser.error("need --units >= 3 and --requests >= 1")
    return args


def configure() -> tuple[str | None, str]:
    """Point Django at the database; return (throwaway folder or None, database label)."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tthc_scoring.settings")
    # Time the pages as deployed: no debug templates or query logging outside the capture.
    os.environ.setdefault("DEBUG", "false")
    folder = None
    if not os.getenv("DATABASE_URL"):
        folder = tempfile.mkdtemp(prefix="tthc-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    hosts = settings.ALLOWED_HOSTS
    if "testserver" not in hosts and "*" not in hosts:
        settings.ALLOWED_HOSTS = [*hosts, "testserver"]
    label = connection.vendor
    if folder is None:
        label += f" ({connection.settings_dict['NAME']}, from DATABASE_URL)"
    return folder, label


def build(n_units: int, seed: int):
    """Province → district → agencies and communes; one open quarter, self-scored.

    Returns (period, reviewer, a submitted scorecard, counts).
    """
    from django.contrib.auth.models import User
    from django.utils import timezone

    from scoring.models import ScorecardStatus
    from units.models import Membership, Role

    run, district, period, n_agencies, n_scores, _rng = build_district(n_units, seed, "B")
    card_ids = list(period.scorecards.order_by("id").values_list("id", flat=True))
    submitted_ids = card_ids[::3]
    period.scorecards.filter(id__in=submitted_ids).update(
        status=ScorecardStatus.SUBMITTED, submitted_at=timezone.now()
    )

    reviewer = User.objects.create_user(f"{run.lower()}-reviewer")  # no usable password
    Membership.objects.create(user=reviewer, unit=district, role=Role.REVIEWER)
    submitted = period.scorecards.get(id=submitted_ids[len(submitted_ids) // 2])
    counts = {"agencies": n_agencies, "local": n_units - n_agencies, "scores": n_scores}
    return period, reviewer, submitted, counts


def measure(client, url: str, n: int) -> dict:
    """One untimed warm-up request, then ``n`` timed ones."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times, queries, sizes = [], [], []
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(captured))
        sizes.append(len(response.content))
    ordered = sorted(times)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[math.ceil(0.9 * n) - 1],  # nearest rank
        "queries": (min(queries), max(queries)),
        "size": (min(sizes), max(sizes)),
    }


def span(pair: tuple, fmt=str) -> str:
    low, high = pair
    return fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"


def migrate_and_build(build, *args):
    """Migrate the database, then ``build(*args)``; return its result and a line that says how
    long each took."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    result = build(*args)
    built = time.perf_counter()
    took = (
        f"build: {built - started:.1f} s (migrate {migrated - started:.1f} s, "
        f"data {built - migrated:.1f} s)"
    )
    return result, took


def print_table(results: list[tuple[str, dict]], requests: int) -> None:
    """One line per page: requests, median and p90 ms, queries per request, size."""
    header = ("page", "requests", "median ms", "p90 ms", "queries/req", "size KB")
    rows = [
        (
            name,
            str(requests),
            f"{r['median']:.1f}",
            f"{r['p90']:.1f}",
            span(r["queries"]),
            span(r["size"], lambda b: f"{b / 1024:.1f}"),
        )
        for name, r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(cells))


def main() -> None:
    args = parse_args()
    folder, database = configure()
    try:
        from django.test import Client
        from django.urls import reverse

        (period, reviewer, submitted, counts), took = migrate_and_build(
            build, args.units, args.seed
        )

        client = Client()
        client.force_login(reviewer)
        pages = [
            ("board", reverse("scoring:board", args=[period.pk])),
            ("review", reverse("scoring:review", args=[submitted.pk])),
        ]
        results = [(name, measure(client, url, args.requests)) for name, url in pages]

        print(
            f"TTHC scoring bench: {args.units} units ({counts['agencies']} agencies, "
            f"{counts['local']} communes/wards/townships), {counts['scores']} scores, "
            f"a third submitted"
        )
        print(f"database: {database}\n{took}\n")
        print_table(results, args.requests)
        if folder and args.keep:
            print(f"\nkept: {os.environ['DATABASE_URL']}")
    finally:
        if folder and not args.keep:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
