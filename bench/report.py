"""Compare the report PDF the system renders with WeasyPrint rendering the same HTML alone.

    .venv/bin/python bench/report.py [--units 32 600] [--runs 3] [--keep]

Builds a throwaway SQLite database (or uses DATABASE_URL, see bench/README.md) with one
district per ``--units`` size, every scorecard scored and approved. For each size it times,
side by side, (a) the system's path — ``reports.domain.report_for`` drafting, ``take_snapshot``
and ``reports.pdf.render_pdf`` — and (b) ``weasyprint.HTML(string=html).write_pdf()`` on the
same final HTML, each run in a fresh child process so its peak RSS is its own. Prints the
median wall time and peak memory of each, and the ratios (a)/(b).

The build runs in a child process too: this parent never imports Django (see ``run_child``).
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from district import BASE_DIR, QUARTER, YEAR, build_district

MODES = ("system", "weasyprint")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--units",
        type=int,
        nargs="+",
        default=[32, 600],
        help="district sizes in scored units (default 32 600)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the points")
    parser.add_argument(
        "--keep", action="store_true", help="keep the throwaway folder and print its path"
    )
    # Child processes (see main): build the districts, or run one measurement.
    parser.add_argument("--build", help=argparse.SUPPRESS)  # folder for the HTML files
    parser.add_argument("--measure", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--period", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--html", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure and (args.period is None or args.html is None):
        parser.error("--measure needs --period and --html")
    if min(args.units) < 3 or args.runs < 1:
        parser.error("need --units >= 3 and --runs >= 1")
    return args


def environment(folder: str) -> bool:
    """Set the environment the child processes inherit; True when the database is our own
    throwaway SQLite file in ``folder`` (no DATABASE_URL given)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tthc_scoring.settings")
    # Render as deployed: no debug templates or query logging.
    os.environ.setdefault("DEBUG", "false")
    if os.getenv("DATABASE_URL"):
        return False
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    return True


def setup_django() -> None:
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def max_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def vm_hwm_mb() -> float | None:
    """Linux's own peak RSS of this process image (VmHWM), to cross-check ru_maxrss."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def run_child(*options: str) -> dict:
    """Run this script again with hidden ``options``; return the JSON its last line prints.

    Every child is started from this parent, which never imports Django and stays small:
    on Linux a process inherits its parent's peak RSS into ``ru_maxrss`` across exec, so a
    big parent would raise every child's reading.
    """
    command = [sys.executable, str(Path(__file__).resolve()), *options]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child {' '.join(options)} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Child: one measurement in a fresh process


def measure_child(mode: str, period_id: int, html_path: str) -> dict:
    """Set up Django, import and warm up WeasyPrint, then run one measurement of ``mode``.

    Both modes import the same modules, so their baselines match. The warm-up renders a
    one-line document, so WeasyPrint's one-time start (fontconfig, Pango, the user-agent
    stylesheet) is in the baseline, as in a worker that has rendered before. Nothing the
    measurement builds exists before the baseline is read.
    """
    setup_django()
    from weasyprint import HTML

    from reports import pdf
    from reports.domain import report_for
    from reports.models import Report
    from reports.snapshot import take_snapshot
    from scoring.models import Period

    HTML(string="<p>warm-up</p>").write_pdf()
    if mode == "system":
        # The path starts with no report: report_for drafts it. Not timed.
        Report.objects.filter(period_id=period_id).delete()
        period = Period.objects.get(pk=period_id)
    baseline = max_rss_mb()

    result: dict = {"baseline": baseline}
    if mode == "system":
        start, cpu = time.perf_counter(), time.process_time()
        report = report_for(period)
        drafted = time.perf_counter()
        snapshot = take_snapshot(period)
        snapped = time.perf_counter()
        rendered = pdf.render_pdf(report, snapshot, draft=False)
        done = time.perf_counter()
        result.update(
            draft=drafted - start,
            snapshot=snapped - drafted,
            render_pdf=done - snapped,
            pages=rendered.pages,
            pdf_bytes=len(rendered.content),
        )
    else:
        html = Path(html_path).read_text(encoding="utf-8")  # computed by the build child
        start, cpu = time.perf_counter(), time.process_time()
        content = HTML(string=html).write_pdf()
        done = time.perf_counter()
        result["pdf_bytes"] = len(content)
    result.update(
        seconds=done - start, cpu=time.process_time() - cpu, peak=max_rss_mb(), hwm=vm_hwm_mb()
    )
    return result


# ---------------------------------------------------------------------------------------------
# Child: migrate, build the districts, write each report's final HTML


def build_child(sizes: list[int], seed: int, folder: str) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    districts = []
    for n in sizes:
        period, counts = build(n, seed)
        html_path = Path(folder) / f"report-{n}.html"
        html_seconds = prepare_html(period, html_path)
        districts.append(
            {
                "units": n,
                "period": period.pk,
                "counts": counts,
                "html": str(html_path),
                "html_seconds": html_seconds,
            }
        )
    return {
        "vendor": connection.vendor,
        "name": str(connection.settings_dict["NAME"]),
        "migrate": migrated - started,
        "data": time.perf_counter() - migrated,
        "districts": districts,
    }


def build(n_units: int, seed: int):
    """Province → district → agencies and communes; one quarter scored, every card approved.

    A few units declare that no procedure arose; every unit has dossier statistics, some with
    late dossiers and some with nothing received online, so the report's "shortcomings"
    section has its late and online bullets. Returns (period, counts).
    """
    from django.contrib.auth.models import User
    from django.utils import timezone

    from scoring.models import DossierStats, ScorecardStatus
    from units.models import Membership, Role, Unit, UnitKind

    def no_procedure(period) -> set[int]:
        """A few units with no procedure this quarter, spread over both report groups."""
        card_ids = list(period.scorecards.order_by("unit__order").values_list("id", flat=True))
        n_no_tthc = max(2, n_units // 50)
        step = len(card_ids) // n_no_tthc
        ids = {card_ids[1 + i * step] for i in range(n_no_tthc)}
        period.scorecards.filter(id__in=ids).update(
            no_tthc=True, no_tthc_note="Không phát sinh hồ sơ trong quý"
        )
        return ids

    run, district, period, n_agencies, _n_scores, rng = build_district(
        n_units, seed, "R", skip_cards=no_procedure
    )
    no_tthc_ids = set(period.scorecards.filter(no_tthc=True).values_list("id", flat=True))
    now = timezone.now()
    period.scorecards.update(status=ScorecardStatus.APPROVED, submitted_at=now, approved_at=now)

    # Dossier statistics: roughly one local unit in seven late, one unit in ten with nothing
    # received online, and an online share well below the report's 30 % threshold.
    units = list(
        Unit.objects.filter(scorecards__period=period).order_by("order").only("id", "kind")
    )
    no_tthc_units = set(
        period.scorecards.filter(id__in=no_tthc_ids).values_list("unit_id", flat=True)
    )
    stats = []
    for i, unit in enumerate(units):
        if unit.id in no_tthc_units:
            stats.append(DossierStats(unit=unit, year=YEAR, quarter=QUARTER))
            continue
        offline = rng.randint(10, 40)
        online = 0 if i % 10 == 3 else rng.randint(1, 10)
        late = unit.kind in UnitKind.local() and i % 7 == 5
        overdue, pending = (rng.randint(1, 4), rng.randint(0, 2)) if late else (0, 0)
        stats.append(
            DossierStats(
                unit=unit,
                year=YEAR,
                quarter=QUARTER,
                received_online=online,
                received_offline=offline,
                resolved_on_time=online + offline - overdue - pending,
                resolved_overdue=overdue,
                pending_overdue=pending,
            )
        )
    DossierStats.objects.bulk_create(stats, batch_size=1000)

    leader = User.objects.create_user(f"{run.lower()}-leader", first_name="Nguyễn Văn A")
    Membership.objects.create(user=leader, unit=district, role=Role.LEADER)
    counts = {
        "agencies": n_agencies,
        "local": n_units - n_agencies,
        "no_tthc": len(no_tthc_ids),
        "late": sum(1 for s in stats if s.resolved_overdue + s.pending_overdue),
        "no_online": sum(1 for s in stats if not s.received_online and s.received_offline),
    }
    return period, counts


def prepare_html(period, path: Path) -> float:
    """Draft the report and write its final HTML (what (b) renders); return the median time of
    ``render_html`` alone, for the breakdown. The drafted report is deleted again."""
    from reports import pdf
    from reports.domain import report_for
    from reports.models import Report
    from reports.snapshot import take_snapshot

    Report.objects.filter(period=period).delete()
    report = report_for(period)
    snapshot = take_snapshot(period)
    html = pdf.render_html(report, snapshot, draft=False)
    path.write_text(html, encoding="utf-8")
    times = []
    for _ in range(3):
        start = time.perf_counter()
        pdf.render_html(report, snapshot, draft=False)
        times.append(time.perf_counter() - start)
    report.delete()
    return statistics.median(times)


def print_table(header: tuple, rows: list[tuple]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def machine_note() -> str:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"machine: {cores} cores ({usable} usable), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, WeasyPrint {version('weasyprint')}, "
        f"load average {load}"
    )


def span(values: list, fmt) -> str:
    low, high = min(values), max(values)
    return fmt(low) if fmt(low) == fmt(high) else f"{fmt(low)}–{fmt(high)}"


def report(args, database: str, built: dict, results: list, seconds: float) -> None:
    print(
        f"TTHC report bench: districts of {', '.join(map(str, args.units))} units "
        "(a quarter agencies), TT01 criteria set (9 criteria), every scorecard approved"
    )
    for district, _runs in results:
        n, counts = district["units"], district["counts"]
        print(
            f"  {n} units: {counts['agencies']} agencies, {counts['local']} local, "
            f"{counts['no_tthc']} no TTHC; dossier stats: {counts['late']} late, "
            f"{counts['no_online']} nothing online"
        )
    print(f"database: {database}")
    print(machine_note())
    print(
        f"build: {built['migrate'] + built['data']:.1f} s (migrate {built['migrate']:.1f} s, "
        f"data and HTML {built['data']:.1f} s); measurements {seconds:.1f} s, "
        f"{args.runs} runs of each, each in a fresh process"
    )
    print()

    def med(runs: list[dict], key) -> float:
        return statistics.median(key(r) if callable(key) else r[key] for r in runs)

    def growth(r: dict) -> float:
        return r["peak"] - r["baseline"]

    main_rows, memory_rows, phase_rows, mismatches = [], [], [], []
    for district, runs in results:
        n = str(district["units"])
        system, weasy = runs["system"], runs["weasyprint"]
        s_time, w_time = med(system, "seconds"), med(weasy, "seconds")
        s_peak, w_peak = med(system, "peak"), med(weasy, "peak")
        s_grow, w_grow = med(system, growth), med(weasy, growth)
        s_cpu, w_cpu = med(system, "cpu"), med(weasy, "cpu")
        main_rows.append(
            (
                n,
                span([r["pages"] for r in system], str),
                f"{s_time:.2f}",
                f"{w_time:.2f}",
                f"{s_time / w_time:.2f}",
                f"{s_peak:.0f}",
                f"{w_peak:.0f}",
                f"{s_peak / w_peak:.2f}",
            )
        )
        memory_rows.append(
            (
                n,
                span([r["baseline"] for r in system + weasy], lambda v: f"{v:.0f}"),
                f"{s_grow:.1f}",
                f"{w_grow:.1f}",
                f"{s_grow / w_grow:.2f}" if w_grow >= 1 else "–",
            )
        )
        phase_rows.append(
            (
                n,
                f"{med(system, 'draft'):.3f}",
                f"{med(system, 'snapshot'):.3f}",
                f"{med(system, 'render_pdf'):.2f}",
                f"{district['html_seconds']:.3f}",
                f"{s_cpu:.2f}",
                f"{w_cpu:.2f}",
                f"{s_cpu / w_cpu:.2f}",
                f"{Path(district['html']).stat().st_size / 1024:.0f}",
                span([r["pdf_bytes"] for r in system + weasy], lambda b: f"{b / 1024:.0f}"),
            )
        )
        mismatches += [
            r for r in system + weasy if r["hwm"] is not None and abs(r["hwm"] - r["peak"]) > 2
        ]
    print_table(
        (
            "units",
            "pages",
            "system s",
            "weasyprint s",
            "time ratio",
            "system peak MB",
            "weasyprint peak MB",
            "mem ratio",
        ),
        main_rows,
    )
    print()
    print("peak RSS above the baseline (read after Django setup, imports and a warm-up render):")
    print_table(("units", "baseline MB", "system +MB", "weasyprint +MB", "+MB ratio"), memory_rows)
    print()
    print("where the system's time goes (medians; render_html alone timed in-process, warm):")
    print_table(
        (
            "units",
            "report_for s",
            "take_snapshot s",
            "render_pdf s",
            "render_html s",
            "system cpu s",
            "weasyprint cpu s",
            "cpu ratio",
            "HTML KB",
            "PDF KB",
        ),
        phase_rows,
    )
    if mismatches:
        print(f"\nwarning: ru_maxrss and VmHWM differ by > 2 MB in {len(mismatches)} runs")


def main() -> None:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure_child(args.measure, args.period, args.html)))
        return
    if args.build:
        print(json.dumps(build_child(args.units, args.seed, args.build)))
        return

    folder = tempfile.mkdtemp(prefix="tthc-bench-")
    try:
        own_database = environment(folder)
        built = run_child(
            "--build", folder, "--seed", str(args.seed), "--units", *map(str, args.units)
        )
        database = built["vendor"]
        if not own_database:
            database += f" ({built['name']}, from DATABASE_URL)"
        started = time.perf_counter()
        results = []
        for district in built["districts"]:
            runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
            for _ in range(args.runs):  # interleaved, so drift in the machine's load hits both
                for mode in MODES:
                    options = ["--period", str(district["period"]), "--html", district["html"]]
                    runs[mode].append(run_child("--measure", mode, *options))
            results.append((district, runs))
        report(args, database, built, results, time.perf_counter() - started)
        if args.keep:
            print(f"\nkept: {folder} ({os.environ['DATABASE_URL']})")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
