"""Time the imports of a province-sized score file and statistics file against openpyxl alone.

    .venv/bin/python bench/import.py [--units 600] [--runs 3] [--keep]

Builds a throwaway SQLite database (or uses DATABASE_URL, see bench/README.md) with one
quarter of the shipped TT01 set for ``--units`` units, writes a score file (units × 9 criteria)
and a statistics file (one row per unit) as XLSX and CSV, and imports each the way
``manage.py import`` does (``imports.tables.read_table`` then ``imports.domain.apply``), inside
a transaction rolled back afterwards so every run starts from the same data. Prints the
median wall time of each import beside reading the same file alone (openpyxl in read-only
mode for XLSX, Python's csv module for CSV), their ratio, and the SQL queries of the import,
also for a file of a tenth of the units, to show they do not grow with the rows.
"""

import argparse
import csv
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from district import BASE_DIR, build_district

SCORE_HEADERS = [
    "period",
    "unit",
    "criterion",
    "self_points",
    "self_note",
    "reviewed_points",
    "review_reason",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=600, help="scored units (default 600)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each measurement")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the points")
    parser.add_argument(
        "--keep", action="store_true", help="keep the throwaway folder and print its path"
    )
    args = parser.parse_args()
    if args.units < 10 or args.runs < 1:
        parser.error("need --units >= 10 and --runs >= 1")
    return args


def configure(folder: str) -> str:
    """Point Django at the database; return a label for it."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tthc_scoring.settings")
    os.environ.setdefault("DEBUG", "false")
    own = not os.getenv("DATABASE_URL")
    if own:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.MEDIA_ROOT = str(Path(folder) / "media")  # the imported files' copies
    label = connection.vendor
    if not own:
        label += f" ({connection.settings_dict['NAME']}, from DATABASE_URL)"
    return label


def score_rows(units, period, rng) -> list[list]:
    """Every criterion of every unit: new self points and explanations; a reviewed value with
    its reason on one criterion in five."""
    rows = [SCORE_HEADERS]
    for unit in units:
        for code in range(1, 10):
            points = rng.choice((0, 1, 2, 2))
            reviewed, reason = "", ""
            if rng.random() < 0.2:
                reviewed, reason = rng.choice((0, 1, 2)), "Thẩm định theo sổ theo dõi"
            rows.append(
                [period.code, unit.code, str(code), points, f"Tự chấm {code}", reviewed, reason]
            )
    return rows


def stats_rows(units, rng) -> list[list]:
    from scoring.resources import DossierStatsResource

    rows = [list(DossierStatsResource._meta.fields)]  # the contract's columns, in order
    for unit in units:
        online, offline, carried = rng.randint(0, 50), rng.randint(0, 300), rng.randint(0, 10)
        received = online + offline + carried
        overdue = rng.randint(0, received // 20)
        pending = rng.randint(0, (received - overdue) // 10)
        early = (received - overdue - pending) // 2
        on_time = received - overdue - pending - early
        total = rng.randint(50, 400)
        received = [online, offline, carried]
        handled = [early, on_time, overdue, pending, 0]
        online_overdue = min(overdue, online + carried)
        procedures = [total, rng.randint(0, total)]
        rows.append([unit.code, 2021, 2, *received, *handled, online_overdue, *procedures])
    return rows


def as_csv(rows) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_alone(name: str, content: bytes) -> int:
    """Read every cell of the file with the bare library: the floor an import cannot beat."""
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        cells = sum(len(row) for row in book.worksheets[0].iter_rows(values_only=True))
        book.close()
        return cells
    return sum(len(row) for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))))


class QueryCounter:
    """Counts the SQL statements run (``executemany`` once), however many: Django's
    ``CaptureQueriesContext`` keeps only the last 9 000, too few for a per-row import."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def import_once(resource_class, name: str, content: bytes) -> tuple[float, int, int]:
    """(seconds, queries, rows changed) of one import, rolled back afterwards."""
    from django.db import connection, transaction

    from imports import domain
    from imports.tables import read_table

    counter = QueryCounter()
    with transaction.atomic():
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            done = domain.apply(
                resource_class(), read_table(name, content), file_name=name, content=content
            )
            seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds, counter.count, done.added + done.changed


def timed(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    args = parse_args()
    folder = tempfile.mkdtemp(prefix="tthc-bench-import-")
    database = configure(folder)
    try:
        from django.core.management import call_command

        from scoring.resources import DossierStatsResource, ScoreResource

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        _run, _district, period, n_agencies, _n, rng = build_district(args.units, args.seed, "I")
        units = [card.unit for card in period.scorecards.select_related("unit").order_by("id")]
        built = time.perf_counter() - started
        tenth = units[: max(1, len(units) // 10)]

        files = []
        for label, resource, make in (
            ("scores", ScoreResource, lambda us: score_rows(us, period, rng)),
            ("statistics", DossierStatsResource, lambda us: stats_rows(us, rng)),
        ):
            full, small = make(units), make(tenth)
            for extension, write in ((".xlsx", as_xlsx), (".csv", as_csv)):
                files.append(
                    (label, resource, f"{label}{extension}", write(full), write(small), len(full))
                )
        if args.keep:
            for _label, _resource, name, content, _small, _rows in files:
                (Path(folder) / name).write_bytes(content)

        results = []
        for _label, resource, name, content, small, n_rows in files:
            import_once(resource, name, content)  # warm-up: imports, caches, first queries
            alone = timed(lambda n=name, c=content: read_alone(n, c), args.runs)
            runs = [import_once(resource, name, content) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in runs)
            queries = {r[1] for r in runs}
            changed = {r[2] for r in runs}
            _s, small_queries, _c = import_once(resource, name, small)
            results.append(
                (name, n_rows - 1, len(content), seconds, alone, queries, small_queries, changed)
            )

        print(
            f"TTHC import bench: {args.units} units ({n_agencies} agencies), "
            f"{args.runs} runs each (median), every import rolled back"
        )
        print(f"database: {database}; build {built:.1f} s; load average {os.getloadavg()[0]:.1f}")
        print()
        header = (
            "file",
            "rows",
            "KB",
            "import s",
            "read alone s",
            "ratio",
            "queries",
            "queries (1/10 file)",
            "changed",
        )
        table = [
            (
                name,
                str(n_rows),
                f"{size / 1024:.0f}",
                f"{seconds:.2f}",
                f"{alone:.3f}",
                f"{seconds / alone:.1f}",
                "–".join(str(q) for q in sorted(queries)),
                str(small_queries),
                "–".join(str(c) for c in sorted(changed)),
            )
            for name, n_rows, size, seconds, alone, queries, small_queries, changed in results
        ]
        widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
        for row in [header, *table]:
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
            print("  ".join(cells))
        print()
        print("read alone: openpyxl (read-only) for .xlsx, Python's csv module for .csv")
        if args.keep:
            print(f"kept: {folder}")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
