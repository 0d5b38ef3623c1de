"""The load bench: unit users scoring at once against gunicorn + PostgreSQL on 127.0.0.1.

    .venv/bin/python bench/load/run.py                       # 300 units, 20, 100 and 300 users
    .venv/bin/python bench/load/run.py --users 20 --work-time 30

Drops and creates the PostgreSQL database ``tthc_load`` on 127.0.0.1:5432, migrates it,
builds a district of ``--units`` units with one unit-staff user each and a few reviewers, and
opens one fresh quarter per user count. Starts gunicorn with the project's gunicorn.conf.py on
a free port of 127.0.0.1, then for each count N runs locust (bench/load/locustfile.py): N
unit users log in, then all at once open their own scorecard, save 3–5 times and submit,
while the reviewers reload the period's board; then N users request the login page with no
pause (the baseline), and then N users request it twice per pause of the unit users (the
floor of the scenario's latencies at its pace). Prints requests/s, p50/p95/p99 and errors of
each, the scenario's ratio to the baseline, and checks every write against the database
("lost writes"). See bench/README.md.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=300, help="units in the district (300)")
    parser.add_argument(
        "--users", default="20,100,300", help="unit users per run, comma-separated (20,100,300)"
    )
    parser.add_argument("--reviewers", type=int, default=3, help="reviewers reloading the board")
    parser.add_argument(
        "--work-time", type=float, default=60, help="at most this many seconds of scoring per run"
    )
    parser.add_argument(
        "--login-time", type=float, default=180, help="at most this many seconds for the logins"
    )
    parser.add_argument(
        "--trivial-time", type=float, default=20, help="seconds of the trivial-page baseline"
    )
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=4,
        help="unit users started (and logging in) per second (4: about what 2 cores can hash)",
    )
    parser.add_argument("--pause", default="0.2,1.0", help="pause between saves: min,max seconds")
    parser.add_argument("--board-pause", default="1.0,2.0", help="reviewer pause: min,max s")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads (default: the config's)")
    parser.add_argument(
        "--database-server",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL on this machine (postgres://postgres@127.0.0.1:5432)",
    )
    parser.add_argument("--database", default="tthc_load", help="dropped and created (tthc_load)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the points posted")
    args = parser.parse_args()
    try:
        args.user_counts = [int(n) for n in args.users.split(",") if n.strip()]
        for value in (args.pause, args.board_pause):
            low, high = (float(x) for x in value.split(","))
            assert 0 <= low <= high
    except (ValueError, AssertionError):
        parser.error("--users is a list of numbers; pauses are min,max seconds")
    if not args.user_counts or min(args.user_counts) < 1 or max(args.user_counts) > args.units:
        parser.error("every user count must be between 1 and --units (one unit per user)")
    h.loopback_url(args.database_server)
    return args


class Log:
    """Prints and keeps a copy in the results folder."""

    def __init__(self, path: Path):
        self.path = path

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        with self.path.open("a") as copy:
            copy.write(text + "\n")


def main() -> None:
    args = parse_args()
    locust = h.ensure_tools()
    folder = h.results_folder("run")
    say = Log(folder / "summary.txt")
    database_url = h.recreate_database(h.loopback_url(args.database_server), args.database)
    environment = h.server_environment(database_url)
    h.setup_django(environment)
    from django.db import connection

    migrate_s = h.migrate()
    people = h.build_people(args.units, args.reviewers)
    plans = {}
    for index, n in enumerate(args.user_counts):
        plans[n] = folder / f"plan-{n}.json"
        h.open_round(people, index, n, plans[n])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    h.close_connections()

    server = h.Server(environment, folder, workers=args.workers, threads=args.threads)
    say("TTHC Scoring load bench")
    say(f"machine: {h.machine()}; PostgreSQL {pg_version} ({args.database})")
    say(f"server: {server.settings()}, on {server.url}")
    say(
        f"district: {args.units} units, {args.reviewers} reviewers; users: {args.users}; "
        f"pause {args.pause} s; migrate {migrate_s:.1f} s; results in {folder}"
    )
    rows = []
    try:
        server.start()
        for n in args.user_counts:
            rows.append(run_one(n, args, locust, server, plans[n], folder, say))
    finally:
        server.stop()
    report(rows, say)


def per_request(cpu_seconds: float, requests: int) -> float:
    return 1000 * cpu_seconds / requests if requests else float("nan")


def run_one(n, args, locust, server, plan, folder, say) -> dict:
    say()
    say(f"--- {n} unit users (+{args.reviewers} reviewers); {h.machine()}")
    offset = server.error_offset()
    record = h.run_locust(
        locust,
        ["UnitStaff", "Reviewer"],
        users=n + args.reviewers,
        spawn_rate=args.spawn_rate,
        run_time=args.login_time + args.work_time + 30,
        host=server.url,
        folder=folder,
        label=f"scenario-{n}",
        env={
            "LOAD_PLAN": str(plan),
            "LOAD_MODE": "scenario",
            "LOAD_PAUSE": args.pause,
            "LOAD_BOARD_PAUSE": args.board_pause,
            "LOAD_REVIEWERS": str(args.reviewers),
            "LOAD_UNIT_USERS": str(n),
            "LOAD_LOGIN_TIME": str(args.login_time),
            "LOAD_WORK_TIME": str(args.work_time),
            "LOAD_SEED": str(args.seed),
        },
    )
    drained = server.wait_idle()
    scenario = h.scenario_figures(record)
    scenario["work"]["cpu_ms"] = per_request(
        server.cpu_seconds(record["released_at"] or 0, record["finished_at"]),
        scenario["work"]["requests"],
    )
    checked = h.verify_writes(record)
    h.close_connections()
    logged, server_errors = h.error_summary(server.err_path, offset)
    logged_in = sum(1 for u in record["users"] if u["logged_in"])
    completed = sum(1 for u in record["users"] if u["completed"])
    say(
        f"logins: {scenario['login']['requests']} requests in {scenario['login_seconds']:.1f} s, "
        f"p95 {h.ms(scenario['login']['p95'])} ms, errors {scenario['login']['errors']}"
    )
    say(
        f"scoring: {scenario['work_seconds']:.1f} s, {logged_in}/{n} users logged in, "
        f"{completed}/{n} finished in time; {scenario['work']['requests']} requests; "
        f"server busy with abandoned requests for {drained:.1f} s after"
    )
    say(
        h.table(
            ["", "request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "statuses"],
            [
                [
                    "",
                    name,
                    f["requests"],
                    f"{f['rps']:.1f}",
                    h.ms(f["p50"]),
                    h.ms(f["p95"]),
                    h.ms(f["p99"]),
                    f["errors"],
                    h.statuses(f["statuses"]),
                ]
                for name, f in scenario["by_name"].items()
            ],
        )
    )
    counts = checked["counts"]
    say(
        f"writes: {counts['posts']} posts on {counts['cards']} scorecards, "
        f"{counts['answered 302']} answered 302, {counts['cut off']} cut off by the end of "
        f"the run ({counts['cut off, took effect']} of them saved all the same); "
        f"took effect despite an error answer: {counts['took effect despite an error answer']}; "
        f"duplicate events: {counts['duplicate events']}; "
        f"unexpected events: {counts['unexpected events']}"
    )
    say(f"lost writes: {counts['lost writes']}")
    for example in checked["lost_examples"]:
        say(f"  lost: {example}")
    say(f"server errors logged: {logged}")
    for line, times in server_errors:
        say(f"  {times}× {line}")

    trivial = baseline(n, "TrivialPage", "trivial", args, locust, server, folder)
    say(
        f"trivial page: {trivial['requests']} requests, {trivial['rps']:.1f} req/s, "
        f"p95 {h.ms(trivial['p95'])} ms, errors {trivial['errors']}"
    )
    paced = baseline(n, "PacedTrivialPage", "paced", args, locust, server, folder)
    say(
        f"trivial page at the scenario's pace: {paced['requests']} requests, "
        f"{paced['rps']:.1f} req/s, p95 {h.ms(paced['p95'])} ms, errors {paced['errors']}"
    )
    say(f"load average after: {h.machine()}")
    return {
        "n": n,
        "scenario": scenario["work"],
        "trivial": trivial,
        "paced": paced,
        "lost": counts["lost writes"],
        "despite": counts["took effect despite an error answer"],
    }


def baseline(n, user_class, label, args, locust, server, folder) -> dict:
    """N users of ``user_class`` on the login page for ``--trivial-time`` seconds: figures and
    gunicorn's CPU per request."""
    record = h.run_locust(
        locust,
        [user_class],
        users=n,
        spawn_rate=min(n, 100),
        run_time=args.trivial_time,
        host=server.url,
        folder=folder,
        label=f"{label}-{n}",
        env={"LOAD_PAUSE": args.pause},
    )
    server.wait_idle()
    found = h.trivial_figures(record)
    found["cpu_ms"] = per_request(
        server.cpu_seconds(found["start"], found["end"]), found["requests"]
    )
    return found


def report(rows: list[dict], say) -> None:
    say()
    say("scenario: unit users' scorecard, save and submit requests and the reviewers' board,")
    say("from the moment every unit user was logged in; trivial: the login page, no pause;")
    say("paced: the login page twice per pause of the unit users (--pause): the floor of the")
    say("scenario's latencies at its pace on this machine.")
    say("CPU ms/req: gunicorn's CPU time (master and workers) per request of the phase;")
    say("ratio: scenario req/s ÷ trivial req/s.")
    lines = []
    for row in rows:
        for page in ("scenario", "trivial", "paced"):
            f = row[page]
            lines.append(
                [
                    row["n"],
                    page,
                    f["requests"],
                    f"{f['rps']:.1f}",
                    h.ms(f["p50"]),
                    h.ms(f["p95"]),
                    h.ms(f["p99"]),
                    f"{f['errors']} ({f['error_pct']:.1f}%)",
                    h.statuses(f["statuses"]),
                    h.ms(f["cpu_ms"]),
                    f"{row['scenario']['rps'] / row['trivial']['rps']:.0%}"
                    if page == "scenario" and row["trivial"]["rps"]
                    else "",
                    row["lost"] if page == "scenario" else "",
                ]
            )
    say(
        h.table(
            [
                "N",
                "page",
                "requests",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "errors",
                "error statuses",
                "CPU ms/req",
                "ratio",
                "lost writes",
            ],
            lines,
        )
    )
    say()
    say(f"lost writes: {sum(row['lost'] for row in rows)}")


if __name__ == "__main__":
    main()
