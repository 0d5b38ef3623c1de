"""Fault test: restart PostgreSQL while 100 unit users keep saving through gunicorn.

    .venv/bin/python bench/load/fault.py            # as root, on the machine running PostgreSQL

Builds its own throwaway database (``tthc_load_fault``) the way run.py does, starts gunicorn
with the project's config, and runs locust in "steady" mode: every unit user logs in, then
saves its scorecard again and again with short pauses (no submit) for ``--work-time``
seconds, while reviewers reload the board. ``--restart-after`` seconds into the saving it
restarts the cluster (``pg_ctlcluster --skip-systemctl-redirect VERSION main restart``), and
afterwards prints the requests and errors before, during and after the restart, whether any
request hung, how long the server took to answer normally again, and checks every write
against the database as run.py does. The server itself is never restarted.

Restarting PostgreSQL breaks every other connection to it on this machine (other people's
tests too): run it only when that is acceptable.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100, help="unit users (100)")
    parser.add_argument("--reviewers", type=int, default=3, help="reviewers reloading the board")
    parser.add_argument("--work-time", type=float, default=45, help="seconds of saving (45)")
    parser.add_argument(
        "--restart-after", type=float, default=15, help="seconds of saving before the restart"
    )
    parser.add_argument("--login-time", type=float, default=120, help="bound of the logins")
    parser.add_argument("--spawn-rate", type=float, default=4, help="users started per second")
    parser.add_argument("--pause", default="0.2,1.0", help="pause between saves: min,max s")
    parser.add_argument(
        "--hang", type=float, default=10, help="a request slower than this (s) counts as hung"
    )
    parser.add_argument("--cluster", default="", help='"VERSION NAME" (default: the only one)')
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads (default: the config's)")
    parser.add_argument(
        "--database-server", default="postgres://postgres@127.0.0.1:5432", help="on this machine"
    )
    parser.add_argument("--database", default="tthc_load_fault", help="dropped and created")
    args = parser.parse_args()
    if not 0 < args.restart_after < args.work_time:
        parser.error("--restart-after must fall within --work-time")
    h.loopback_url(args.database_server)
    return args


def cluster(value: str) -> list[str]:
    if value:
        return value.split()
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if p.is_dir())
    if len(versions) != 1:
        raise SystemExit(f"several PostgreSQL versions {versions}: give --cluster")
    return [versions[0], "main"]


def restart_postgresql(version_and_name: list[str]) -> tuple[float, float]:
    """Restart the cluster; the epoch times the command began and returned."""
    began = time.time()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *version_and_name, "restart"],
        check=True,
        timeout=120,
    )
    return began, time.time()


def window(rows: list, start: float, stop: float) -> list:
    """The requests that started between two epoch times."""
    return [row for row in rows if start <= row[1] < stop]


def end(row: list) -> float:
    return row[1] + row[2] / 1000


def main() -> None:
    args = parse_args()
    target = cluster(args.cluster)
    locust = h.ensure_tools()
    folder = h.results_folder("fault")
    database_url = h.recreate_database(h.loopback_url(args.database_server), args.database)
    environment = h.server_environment(database_url)
    h.setup_django(environment)
    h.migrate()
    people = h.build_people(args.users, args.reviewers)
    plan = folder / "plan.json"
    h.open_round(people, 0, args.users, plan)
    h.close_connections()

    server = h.Server(environment, folder, workers=args.workers, threads=args.threads)
    print("TTHC Scoring fault test: PostgreSQL restarted under load")
    print(f"machine: {h.machine()}; cluster {' '.join(target)}; results in {folder}")
    print(f"server: {server.settings()}, on {server.url}")
    print(
        f"{args.users} unit users save for {args.work_time:.0f} s, PostgreSQL restarts "
        f"{args.restart_after:.0f} s in",
        flush=True,
    )
    released_file = folder / "released"
    try:
        server.start()
        booted = server.err_path.read_text().count("Booting worker")
        process = h.run_locust(
            locust,
            ["UnitStaff", "Reviewer"],
            users=args.users + args.reviewers,
            spawn_rate=args.spawn_rate,
            run_time=args.login_time + args.work_time + 30,
            host=server.url,
            folder=folder,
            label="fault",
            env={
                "LOAD_PLAN": str(plan),
                "LOAD_MODE": "steady",
                "LOAD_PAUSE": args.pause,
                "LOAD_REVIEWERS": str(args.reviewers),
                "LOAD_UNIT_USERS": str(args.users),
                "LOAD_LOGIN_TIME": str(args.login_time),
                "LOAD_WORK_TIME": str(args.work_time),
                "LOAD_RELEASED_FILE": str(released_file),
            },
            wait=False,
        )
        deadline = time.monotonic() + args.login_time + 30
        while not released_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the users never started saving; see the locust log")
            time.sleep(0.2)
        time.sleep(args.restart_after)
        restart_began, restart_done = restart_postgresql(target)
        times = {"began": restart_began, "done": restart_done}
        (folder / "restart.json").write_text(json.dumps(times))
        record = h.finish_locust(process)
        drained = server.wait_idle()
        alive = server.process.poll() is None and server.answers()
        log = server.err_path.read_text()
        replaced = log.count("Booting worker") - booted
        timeouts = log.count("WORKER TIMEOUT")
        logged, exceptions = h.error_summary(server.err_path, 0)
    finally:
        server.stop()

    report(record, restart_began, restart_done, args.hang)
    print(f"server answering afterwards: {'yes' if alive else 'NO'} (never restarted by us)")
    print(f"workers replaced during the run: {replaced} (of them killed by timeout: {timeouts})")
    print(f"abandoned requests still running after the users stopped: {drained:.1f} s")
    print(f"server errors logged: {logged}")
    for line, times in exceptions:
        print(f"  {times}× {line}")
    checked = h.verify_writes(record)
    counts = checked["counts"]
    print(
        f"writes: {counts['posts']} posts, {counts['answered 302']} answered 302; "
        f"took effect despite an error answer: {counts['took effect despite an error answer']}"
    )
    print(f"lost writes: {counts['lost writes']}")
    for example in checked["lost_examples"]:
        print(f"  lost: {example}")


def report(record: dict, began: float, done: float, hang: float) -> None:
    released, finished = record["released_at"], record["finished_at"]
    work = [r for r in record["requests"] if r[0] not in h.LOGIN_PHASE and r[1] >= released]
    print(f"\nPostgreSQL restart took {done - began:.1f} s ({began - released:.1f} s into saving)")
    print("before: requests answered before the restart began; during: those in flight or")
    print("started while it ran; after: those started once the restart command had returned")
    phases = [
        ("before", [r for r in work if end(r) < began], began - released),
        ("during", [r for r in work if r[1] < done and end(r) >= began], done - began),
        ("after", window(work, done, finished), finished - done),
    ]
    rows = []
    for name, rows_in, seconds in phases:
        f = h.figures(rows_in, seconds)
        rows.append(
            [
                "",
                name,
                f"{seconds:.1f}",
                f["requests"],
                f"{f['rps']:.1f}",
                h.ms(f["p95"]),
                h.ms(f["max"]),
                f"{f['errors']} ({f['error_pct']:.1f}%)",
                h.statuses(f["statuses"]),
            ]
        )
    header = ["", "phase", "s", "requests", "req/s", "p95 ms", "max ms", "errors", "statuses"]
    print(h.table(header, rows))

    failed = [r for r in work if r[4]]
    hung = [r for r in work if r[3] == 0 or r[2] >= hang * 1000]
    print(f"requests without an answer or slower than {hang:.0f} s: {len(hung)}")
    caught = [r for r in failed if end(r) >= began]
    if caught:
        recovered = max(end(r) for r in caught)
        print(
            f"time to recover: {recovered - began:.1f} s from the start of the restart to the "
            f"end of the last failed request (the restart command returned "
            f"{done - began:.1f} s after its start)"
        )
    else:
        print("time to recover: 0 s (no request failed)")
    late = window(failed, done, float("inf"))
    print(f"errors in requests started after PostgreSQL was back: {len(late)}")


if __name__ == "__main__":
    main()
