"""What ``run.py`` and ``fault.py`` share: the throwaway database, the district, gunicorn,
locust, the figures and the check of every write against the database.

Everything stays on this machine: the database must be on a loopback address and the server
binds to 127.0.0.1 only. Every run is bounded in time, and the processes started here are
stopped by their own id when the run ends.
"""

import datetime
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parents[2]
LOAD_DIR = BASE_DIR / "bench" / "load"
LOCUST_VENV = LOAD_DIR / ".venv"
LOCUSTFILE = LOAD_DIR / "locustfile.py"
RESULTS_DIR = LOAD_DIR / "results"
GUNICORN_CONF = BASE_DIR / "gunicorn.conf.py"
REQUIREMENTS = "requirements.txt"

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PASSWORD = "tthc-load-2021"  # every bench user's password (a throwaway database)
LOGIN_PHASE = ("login: form", "login: post")


# ---------------------------------------------------------------------------------------------
# Tools


def pip_install(python) -> list[str]:
    return [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


def ensure_tools() -> Path:
    """gunicorn in this interpreter's environment (from requirements.txt) and locust in
    bench/load/.venv (from bench/load/requirements.txt); installed on first use. Returns the
    locust executable."""
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        print("installing the project requirements (gunicorn) into", sys.prefix, flush=True)
        subprocess.run(
            [*pip_install(sys.executable), "-r", str(BASE_DIR / "requirements.txt")],
            check=True,
        )
    wanted = (LOAD_DIR / REQUIREMENTS).read_bytes()
    stamp = LOCUST_VENV / ".installed"
    locust = LOCUST_VENV / "bin" / "locust"
    if not locust.exists() or not stamp.exists() or stamp.read_bytes() != wanted:
        print("installing locust into", LOCUST_VENV, "(once)", flush=True)
        if not (LOCUST_VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True)
        subprocess.run(
            [*pip_install(LOCUST_VENV / "bin" / "python"), "-r", str(LOAD_DIR / REQUIREMENTS)],
            check=True,
        )
        stamp.write_bytes(wanted)
    return locust


def results_folder(kind: str) -> Path:
    folder = RESULTS_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}-{kind}"
    folder.mkdir(parents=True)
    return folder


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}"


# ---------------------------------------------------------------------------------------------
# Database


def loopback_url(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"refusing {url!r}: the bench only uses a database on this machine")
    return url.rstrip("/")


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create ``name`` on the PostgreSQL server; its DATABASE_URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"database name {name!r}: lower-case letters, digits and _ only")
    import psycopg2

    parts = urlsplit(server_url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return f"{server_url}/{name}"


def server_environment(database_url: str) -> dict:
    """The environment the bench's Django (here and in gunicorn) runs with: as deployed
    (DEBUG off), but plain-HTTP cookies on 127.0.0.1 and mail that goes nowhere."""
    return {
        "DJANGO_SETTINGS_MODULE": "tthc_scoring.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "SIGNING_DEMO": "false",
    }


def setup_django(environment: dict) -> None:
    os.environ.update(environment)
    for path in (BASE_DIR, BASE_DIR / "bench"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import django

    django.setup()


def migrate() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return time.perf_counter() - started


def build_people(n_units: int, n_reviewers: int) -> dict:
    """A district of ``n_units`` units (bench/district.py), one unit-staff user per unit and
    ``n_reviewers`` district reviewers, all with the password ``PASSWORD``."""
    from district import build_units, load_criteria_set
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from units.models import Membership, Role, Unit

    run, district, _agencies = build_units(n_units, "L")
    units = list(Unit.objects.filter(parent=district).order_by("order"))
    hashed = make_password(PASSWORD)  # once: hashing is slow on purpose
    staff = User.objects.bulk_create(
        User(username=f"load-{i:05d}", password=hashed) for i in range(len(units))
    )

    def pairs(users):
        return zip(users, units, strict=True)

    reviewers = User.objects.bulk_create(
        User(username=f"load-reviewer-{j}", password=hashed) for j in range(n_reviewers)
    )
    Membership.objects.bulk_create(
        [
            *(Membership(user=u, unit=unit, role=Role.UNIT_STAFF) for u, unit in pairs(staff)),
            *(Membership(user=u, unit=district, role=Role.REVIEWER) for u in reviewers),
        ]
    )
    return {
        "run": run,
        "district": district,
        "criteria_set": load_criteria_set(),
        "staff": [(u.username, unit.pk) for u, unit in pairs(staff)],
        "reviewers": [u.username for u in reviewers],
    }


def open_round(people: dict, index: int, n_users: int, plan_path: Path) -> int:
    """Open a fresh quarter (the ``index``-th) with ``scoring.periods.open_period`` and write
    the plan for ``n_users`` unit users: each its own unit's scorecard. Returns the period id."""
    from django.urls import reverse
    from django.utils import timezone

    from scoring.periods import open_period

    period = open_period(
        people["district"],
        2021 + index // 4,
        index % 4 + 1,
        people["criteria_set"],
        self_deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    cards = dict(period.scorecards.values_list("unit_id", "id"))
    attach_evidence(period)
    plan = {
        "period_id": period.pk,
        "board_url": reverse("scoring:board", args=[period.pk]),
        "users": [
            {
                "username": username,
                "password": PASSWORD,
                "card_id": cards[unit_id],
                "card_url": reverse("scoring:scorecard", args=[cards[unit_id]]),
            }
            for username, unit_id in people["staff"][:n_users]
        ],
        "reviewers": [{"username": name, "password": PASSWORD} for name in people["reviewers"]],
    }
    plan_path.write_text(json.dumps(plan, indent=1))
    return period.pk


def attach_evidence(period) -> None:
    """One stored PDF on every criterion that requires evidence, on every card of the
    period, so that the users' submissions are accepted (set-up, not measured: rows written in
    one statement, no events)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from scoring.models import Evidence, Score

    content = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    digest = hashlib.sha256(content).hexdigest()
    name = default_storage.save(f"evidence/bench/{digest}.pdf", ContentFile(content))
    required = Score.objects.filter(scorecard__period=period, criterion__evidence_required=True)
    Evidence.objects.bulk_create(
        Evidence(
            score=score,
            file=name,
            original_name="bien-ban.pdf",
            size=len(content),
            content_type="application/pdf",
            sha256=digest,
        )
        for score in required.only("id")
    )


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


# ---------------------------------------------------------------------------------------------
# gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and of its children that have exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # utime, stime, cutime, cstime: fields 14-17 of proc(5); here counted after the ")".
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return found


class Server:
    """gunicorn with the project's gunicorn.conf.py on 127.0.0.1; logs in the results folder.

    A thread samples the CPU time of the master and its workers every half second, so each
    phase of a run can be given the server's CPU milliseconds per request, a figure that
    depends less than latencies on whatever else the machine is doing.
    """

    def __init__(self, environment: dict, folder: Path, *, workers=None, threads=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.out_path = folder / "gunicorn-access.log"
        self.err_path = folder / "gunicorn-error.log"
        env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CONTROL_SOCKET"}
        env.update(environment)
        env["GUNICORN_BIND"] = f"127.0.0.1:{self.port}"
        if workers:
            env["GUNICORN_WORKERS"] = str(workers)
        if threads:
            env["GUNICORN_THREADS"] = str(threads)
        self.env = env
        self.process = None

    def settings(self) -> str:
        """The workers and threads gunicorn runs with (read back from the config)."""
        printed = subprocess.run(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--print-config"],
            env=self.env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        values = {
            key.strip(): value.strip()
            for key, _sep, value in (line.partition("=") for line in printed.splitlines())
        }
        return (
            f"gunicorn {values.get('workers')} workers × {values.get('threads')} threads "
            f"({values.get('worker_class')}), timeout {values.get('timeout')} s"
        )

    def start(self, timeout: float = 60) -> None:
        self.out = self.out_path.open("ab")
        self.err = self.err_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)],
            env=self.env,
            cwd=BASE_DIR,
            stdout=self.out,
            stderr=self.err,
            start_new_session=True,  # Ctrl-C reaches this script, which stops it in order
        )
        self.samples = []
        threading.Thread(target=self._sample, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited at start; see {self.err_path}")
            if self.answers():
                return
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within {timeout} s; see {self.err_path}")

    def _sample(self) -> None:
        pid = self.process.pid
        while self.process.poll() is None:
            cpu = process_cpu(pid) + sum(process_cpu(child) for child in children(pid))
            self.samples.append((time.time(), cpu))
            time.sleep(0.5)

    def cpu_seconds(self, start: float, end: float) -> float:
        """The server's CPU seconds between two epoch times (nearest samples)."""

        def at(moment):
            return min(self.samples, key=lambda sample: abs(sample[0] - moment))[1]

        return at(end) - at(start) if self.samples else float("nan")

    def answers(self, path: str = "/accounts/login/") -> bool:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_idle(self, timeout: float = 180, fast_ms: float = 100) -> float:
        """Wait until the login page answers within ``fast_ms`` three times in a row: requests
        that clients gave up on may still be queued or running in the workers. Returns the
        seconds waited."""
        started = time.monotonic()
        fast = 0
        while fast < 3 and time.monotonic() - started < timeout:
            began = time.monotonic()
            answered = self.answers()
            fast = fast + 1 if answered and (time.monotonic() - began) * 1000 < fast_ms else 0
            time.sleep(0.2)
        return time.monotonic() - started

    def error_offset(self) -> int:
        return self.err_path.stat().st_size if self.err_path.exists() else 0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: finish requests, then exit
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.out.close()
        self.err.close()


def error_summary(log_path: Path, offset: int, top: int = 5) -> tuple[int, list[tuple[str, int]]]:
    """From byte ``offset`` of gunicorn's error log: the number of logged server errors
    ("Internal Server Error: …") and the most frequent errors, each traceback counted once by
    its last exception line (the one raised; chained ones above it are its causes)."""
    with log_path.open("rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", "replace")
    exception_line = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Detected|Timeout)\w*: .*)$")
    counts, errors, last = Counter(), 0, None
    for line in [*text.splitlines(), "[end]"]:
        if line.startswith(("Internal Server Error: ", "[")):
            if last:
                counts[re.sub(r"\b\d+\b", "N", last)[:160]] += 1
            last = None
            errors += line.startswith("Internal Server Error: ")
        elif match := exception_line.match(line):
            last = match.group(1)
    return errors, counts.most_common(top)


# ---------------------------------------------------------------------------------------------
# locust


def run_locust(
    locust: Path,
    classes: list[str],
    *,
    users: int,
    spawn_rate: float,
    run_time: float,
    host: str,
    folder: Path,
    label: str,
    env: dict,
    wait: bool = True,
):
    """Run locust headless; with ``wait`` return its record (see locustfile.py), otherwise the
    process (the caller then calls ``finish_locust``)."""
    record_path = folder / f"{label}.json"
    env = {**os.environ, **env, "LOAD_RECORD": str(record_path)}
    command = [
        str(locust),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{math.ceil(run_time)}s",
        "--stop-timeout",
        "5",
        "--host",
        host,
        "--csv",
        str(folder / label),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    log = (folder / f"{label}-locust.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.bench = (record_path, log, run_time)
    return finish_locust(process) if wait else process


def finish_locust(process) -> dict:
    record_path, log, run_time = process.bench
    try:
        process.wait(timeout=run_time + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    finally:
        log.close()
    if not record_path.exists():
        raise SystemExit(f"locust left no record; see {log.name}")
    return json.loads(record_path.read_text())


# ---------------------------------------------------------------------------------------------
# Figures


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def figures(requests: list, seconds: float) -> dict:
    """requests/s, percentiles, errors and their statuses of locust request rows
    ``[name, start, ms, status, error]`` over ``seconds``."""
    times = sorted(row[2] for row in requests)
    failed = [row for row in requests if row[4]]
    return {
        "requests": len(requests),
        "rps": len(requests) / seconds if seconds > 0 else float("nan"),
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": times[-1] if times else float("nan"),
        "errors": len(failed),
        "error_pct": 100 * len(failed) / len(requests) if requests else 0.0,
        "statuses": Counter(row[3] for row in failed),
    }


def scenario_figures(record: dict) -> dict:
    """The work phase (after every unit user logged in) and the login phase, separately."""
    released, finished = record["released_at"], record["finished_at"]
    rows = record["requests"]
    work = [r for r in rows if r[0] not in LOGIN_PHASE and released and r[1] >= released]
    login = [r for r in rows if r[0] in LOGIN_PHASE]
    login_seconds = (released or finished) - record["started_at"]
    by_name = {}
    for name in sorted({r[0] for r in work}):
        by_name[name] = figures([r for r in work if r[0] == name], finished - released)
    return {
        "work": figures(work, (finished - released) if released else 0),
        "work_seconds": (finished - released) if released else 0,
        "login": figures(login, login_seconds),
        "login_seconds": login_seconds,
        "by_name": by_name,
    }


def trivial_figures(record: dict) -> dict:
    rows = record["requests"]
    if not rows:
        return {**figures([], 0), "start": 0, "end": 0}
    first = min(r[1] for r in rows)
    last = max(r[1] + r[2] / 1000 for r in rows)
    return {**figures(rows, last - first), "start": first, "end": last}


def statuses(counter: Counter) -> str:
    """ "500×12, no answer×3" from a Counter of HTTP statuses of failed requests."""
    if not counter:
        return "-"
    return ", ".join(
        f"{'no answer' if status == 0 else status}×{n}" for status, n in counter.most_common()
    )


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(row[0]).rjust(widths[0]), str(row[1]).ljust(widths[1])]
        cells += [str(c).rjust(w) for c, w in zip(row[2:], widths[2:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def ms(value: float) -> str:
    return "-" if value != value else f"{value:.0f}"  # NaN check


# ---------------------------------------------------------------------------------------------
# The writes, checked against the database


def verify_writes(record: dict) -> dict:
    """Check every unit user's posts against its scorecard's scores and history.

    Each post has a unique tag in its explanations, so each ``self_scored`` event names the
    post that made it. A **lost write** is a post answered 302 ("saved") with no event of its
    own, or a scorecard whose stored points and explanations are not those of the last post
    that took effect, or a submit answered 302 whose scorecard is not submitted with exactly
    one "submitted" event. Posts answered otherwise (an error, no answer) may or may not have
    taken effect; those that did are counted apart ("took effect despite an error answer"),
    and so are posts still waiting for their answer when the run ended ("cut off").
    """
    from scoring.models import EventKind, Score, Scorecard, ScorecardEvent

    users = [u for u in record["users"] if u["posts"]]
    ids = [u["card_id"] for u in users]
    stored = {}
    for card_id, cid, points, note in Score.objects.filter(scorecard_id__in=ids).values_list(
        "scorecard_id", "criterion_id", "self_points", "self_note"
    ):
        stored.setdefault(card_id, {})[cid] = (points, note)
    status = dict(Scorecard.objects.filter(id__in=ids).values_list("id", "status"))
    scored, submitted = {}, Counter()
    for card_id, kind, after in ScorecardEvent.objects.filter(scorecard_id__in=ids).values_list(
        "scorecard_id", "kind", "after"
    ):
        if kind == EventKind.SELF_SCORED:
            tags = {value.get("note") for value in (after or {}).values()}
            scored.setdefault(card_id, Counter())[tags.pop() if len(tags) == 1 else None] += 1
        elif kind == EventKind.SUBMITTED:
            submitted[card_id] += 1

    result = Counter()
    lost_examples = []
    for user in users:
        card_id, posts = user["card_id"], user["posts"]
        events = scored.get(card_id, Counter())
        lost = set()
        for post in posts:
            took_effect = events[post["tag"]] > 0 or (
                post["action"] == "submit" and status[card_id] == "submitted"
            )
            result["posts"] += 1
            result["answered 302"] += post["status"] == 302
            if post["status"] == 302 and not took_effect:
                lost.add(post["tag"])
            if post["status"] is None:
                result["cut off"] += 1
                result["cut off, took effect"] += took_effect
            elif post["status"] != 302 and took_effect:
                result["took effect despite an error answer"] += 1
            if events[post["tag"]] > 1:
                result["duplicate events"] += events[post["tag"]] - 1
        tags = {post["tag"] for post in posts}
        result["unexpected events"] += sum(n for tag, n in events.items() if tag not in tags)
        effective = [post for post in posts if events[post["tag"]] > 0]
        if effective:
            last = effective[-1]
            wanted = {
                int(name.removeprefix("points_")): (Decimal(value), last["tag"])
                for name, value in last["points"].items()
            }
            if stored.get(card_id) != wanted:
                lost.add(last["tag"])
        submit = next((p for p in posts if p["action"] == "submit"), None)
        if submit and submit["status"] == 302:
            result["submits answered 302"] += 1
            if status[card_id] != "submitted" or submitted[card_id] != 1:
                lost.add(submit["tag"] + " (submit)")
        result["lost writes"] += len(lost)
        lost_examples.extend(f"scorecard {card_id}: {tag}" for tag in sorted(lost))
    result["cards"] = len(users)
    return {"counts": result, "lost_examples": lost_examples[:10]}
