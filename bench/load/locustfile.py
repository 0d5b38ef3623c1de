"""Locust users for the load bench. Started by ``bench/load/run.py`` and ``bench/load/fault.py``
(they set the variables below); not collected by pytest, and it needs no Django.

- ``UnitStaff``: one unit's staff member, each on a unit of its own (taken in order from the
  plan). Logs in through the real form, then waits until every unit user has logged in, then
  opens its scorecard and saves valid points 3–5 times with short pauses — every time reading
  the hidden ``version`` and the CSRF token from the page it just loaded and posting every
  ``points_*`` select, every ``note_*`` explanation, ``version`` and ``action=save`` — and
  finally posts ``action=submit`` with new values. In ``steady`` mode (the fault test) it
  keeps saving until the work time is over and never submits.
- ``Reviewer``: a district reviewer who reloads the period board with pauses.
- ``TrivialPage``: requests the login page in a loop with no pause (the baseline).
- ``PacedTrivialPage``: the login page twice, then the unit users' pause (the floor of the
  scenario's latencies at its pace).

Every post carries a unique tag in its explanations ("Bench load-00012 lần 3"), so the
verification can match each event in a scorecard's history to the post that made it. When the
test stops, everything each user posted and every request's timing, status and error go to the
JSON file named by ``LOAD_RECORD``.

Variables: ``LOAD_PLAN`` (JSON written by the harness: users, passwords, scorecard and board
URLs), ``LOAD_RECORD``, ``LOAD_MODE`` (``scenario`` or ``steady``), ``LOAD_PAUSE`` ("min,max"
seconds between saves), ``LOAD_BOARD_PAUSE``, ``LOAD_REVIEWERS``, ``LOAD_UNIT_USERS``,
``LOAD_LOGIN_TIME`` and ``LOAD_WORK_TIME`` (seconds; bounds of the two phases),
``LOAD_RELEASED_FILE`` (written with the time the work phase began).
"""

import itertools
import json
import os
import random
import time
from html.parser import HTMLParser
from pathlib import Path

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser


def _env_pair(name: str, default: str) -> tuple[float, float]:
    low, high = (float(x) for x in os.getenv(name, default).split(","))
    return low, high


PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text()) if os.getenv("LOAD_PLAN") else {}
MODE = os.getenv("LOAD_MODE", "scenario")
PAUSE = _env_pair("LOAD_PAUSE", "0.2,1.0")
BOARD_PAUSE = _env_pair("LOAD_BOARD_PAUSE", "1.0,2.0")
UNIT_USERS = int(os.getenv("LOAD_UNIT_USERS", "0"))
LOGIN_TIME = float(os.getenv("LOAD_LOGIN_TIME", "120"))
WORK_TIME = float(os.getenv("LOAD_WORK_TIME", "60"))
SEED = int(os.getenv("LOAD_SEED", "1"))

# What the run leaves behind for the harness.
RECORD = {
    "mode": MODE,
    "started_at": time.time(),
    "released_at": None,  # every unit user logged in (or the login time ran out): work begins
    "finished_at": None,  # the last unit user finished (or the work time ran out)
    "users": [],
    "requests": [],  # [name, start (epoch s), response ms, status (0: no response), error]
}
RELEASED = Event()
_next_unit_user = itertools.count()
_reviewer_index = itertools.count()
_arrived = 0
_finished = 0
_written = False


@events.request.add_listener
def _record_request(name, response_time, exception=None, response=None, start_time=None, **_kw):
    status = getattr(response, "status_code", 0) or 0
    error = None if exception is None else f"{type(exception).__name__}: {exception}"[:300]
    RECORD["requests"].append([name, start_time, round(response_time, 2), status, error])


@events.test_start.add_listener
def _start_watchdogs(environment, **_kw):
    def release_after_login_time():
        if not RELEASED.wait(LOGIN_TIME):
            _release()

    def stop_after_work_time():
        RELEASED.wait()
        gevent.sleep(WORK_TIME)
        _finish(environment)

    if UNIT_USERS:
        gevent.spawn(release_after_login_time)
        gevent.spawn(stop_after_work_time)


def _release() -> None:
    if not RELEASED.is_set():
        RECORD["released_at"] = time.time()
        RELEASED.set()
        if os.getenv("LOAD_RELEASED_FILE"):  # the fault test waits for this moment
            Path(os.environ["LOAD_RELEASED_FILE"]).write_text(str(RECORD["released_at"]))


def _finish(environment) -> None:
    if RECORD["finished_at"] is None:
        RECORD["finished_at"] = time.time()
        gevent.spawn(environment.runner.quit)


@events.test_stop.add_listener
def _write_record(**_kw):
    global _written
    if _written or not os.getenv("LOAD_RECORD"):
        return
    _written = True
    if RECORD["finished_at"] is None:
        RECORD["finished_at"] = time.time()
    Path(os.environ["LOAD_RECORD"]).write_text(json.dumps(RECORD))


class FormParser(HTMLParser):
    """The forms of a page: for each, its inputs, selects (with their options) and textareas."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"inputs": {}, "selects": {}, "textareas": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            self._form["inputs"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "select" and attrs.get("name"):
            self._select = self._form["selects"].setdefault(attrs["name"], [])
        elif tag == "option" and self._select is not None:
            self._select.append(attrs.get("value") or "")
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._form["textareas"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._form["textareas"][self._textarea] += data


def forms_of(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def error_messages(html: str) -> str:
    """The error messages a page shows, joined (for the record of a refused post)."""
    found = []
    for chunk in html.split('class="msg msg-error"')[1:]:
        text = chunk[chunk.find(">") + 1 :]
        found.append(text[: text.find("<")].strip())
    return "; ".join(found)[:300]


class Browser(FastHttpUser):
    """A logged-in user of the site, one cookie jar each; redirects are not followed."""

    abstract = True
    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 60.0

    def log_in(self, username: str, password: str) -> bool:
        with self.client.get("/accounts/login/", name="login: form", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"login form answered {page.status_code}")
                return False
            token = forms_of(page.text)[0]["inputs"].get("csrfmiddlewaretoken", "")
        with self.client.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
            name="login: post",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"login answered {answer.status_code}")
                return False
        return True


class UnitStaff(Browser):
    def on_start(self):
        global _arrived
        index = next(_next_unit_user)
        users = PLAN.get("users", [])
        if index >= len(users):
            raise StopUser()
        me = users[index]
        self.rng = random.Random(f"{SEED}-{index}")
        self.url = me["card_url"]
        self.log = {
            "username": me["username"],
            "card_id": me["card_id"],
            "logged_in": False,
            "completed": False,
            "done": False,
            "posts": [],
        }
        RECORD["users"].append(self.log)
        self.log["logged_in"] = self.log_in(me["username"], me["password"])
        _arrived += 1
        if _arrived >= UNIT_USERS:
            _release()
        RELEASED.wait()

    def on_stop(self):
        global _finished
        if hasattr(self, "log") and not self.log["done"]:
            self.log["done"] = True
            _finished += 1
            if _finished >= UNIT_USERS:
                _finish(self.environment)

    def pause(self, bounds=PAUSE):
        gevent.sleep(self.rng.uniform(*bounds))

    def open_form(self) -> dict | None:
        """Load the scorecard page; its self-scoring form, or None (the failure is recorded)."""
        with self.client.get(self.url, name="scorecard", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"scorecard answered {page.status_code}")
                return None
            for form in forms_of(page.text):
                if any(name.startswith("points_") for name in form["selects"]):
                    return form
            page.failure("no self-scoring form on the page (not editable?)")
            return None

    def post(self, form: dict, action: str, number: int) -> None:
        """Post every select with a random allowed value and a tagged explanation."""
        tag = f"Bench {self.log['username']} lần {number}"
        points = {
            name: self.rng.choice([value for value in options if value])
            for name, options in form["selects"].items()
            if name.startswith("points_")
        }
        data = {
            "csrfmiddlewaretoken": form["inputs"].get("csrfmiddlewaretoken", ""),
            "version": form["inputs"].get("version", ""),
            "action": action,
            # What the page's confirmation dialog adds once "Lưu và gửi" is agreed to
            # (static/js/confirm.js); a save carries it too, harmlessly.
            "confirmed": "1",
            **points,
            **{f"note_{name.removeprefix('points_')}": tag for name in points},
        }
        # status None: no answer before the run ended (the server may still have saved it).
        entry = {"tag": tag, "action": action, "points": points, "status": None, "error": ""}
        self.log["posts"].append(entry)
        with self.client.post(
            self.url, data=data, name=action, allow_redirects=False, catch_response=True
        ) as answer:
            entry["status"] = answer.status_code
            if answer.status_code == 302 and answer.headers.get("Location") == self.url:
                return
            entry["error"] = error_messages(answer.text or "") if answer.status_code == 200 else ""
            answer.failure(f"{action} answered {answer.status_code} {entry['error']}".strip())

    def working(self) -> bool:
        return RECORD["finished_at"] is None

    @task
    def score_and_submit(self):
        if not self.log["logged_in"]:
            raise StopUser()
        saves = self.rng.randint(3, 5) if MODE == "scenario" else 10**6
        number = 0
        form = self.open_form()
        while self.working() and number < saves:
            self.pause()
            if form is None:
                form = self.open_form()
                continue
            number += 1
            self.post(form, "save", number)
            form = self.open_form()
        if MODE == "scenario" and self.working():
            self.pause()
            while form is None and self.working():
                form = self.open_form()
            if form is not None:
                self.post(form, "submit", number + 1)
                self.client.get(self.url, name="scorecard")
        self.log["completed"] = self.working()  # not cut short by the end of the work time
        raise StopUser()


class Reviewer(Browser):
    """Reloads the board of the period until the unit users are done."""

    fixed_count = int(os.getenv("LOAD_REVIEWERS", "0"))

    def on_start(self):
        index = next(_reviewer_index)
        reviewers = PLAN.get("reviewers", [])
        if index >= len(reviewers):
            raise StopUser()
        me = reviewers[index]
        self.rng = random.Random(f"{SEED}-reviewer-{index}")
        self.logged_in = self.log_in(me["username"], me["password"])
        RELEASED.wait()

    @task
    def reload_board(self):
        if not self.logged_in:
            raise StopUser()
        with self.client.get(PLAN["board_url"], name="board", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"board answered {page.status_code}")
        gevent.sleep(self.rng.uniform(*BOARD_PAUSE))


class TrivialPage(FastHttpUser):
    """The baseline: the login page (no database query), again and again, no pause."""

    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 60.0

    @task
    def login_page(self):
        self.client.get("/accounts/login/", name="trivial")


class PacedTrivialPage(FastHttpUser):
    """The floor at the scenario's pace: the login page twice (as a save and the page after
    it), then the unit users' pause (``LOAD_PAUSE``), again and again. No page of the
    application can answer faster than this one at the same pace, so its p95 bounds the
    scenario's from below."""

    network_timeout = 60.0
    connection_timeout = 60.0

    def wait_time(self):
        return random.uniform(*PAUSE)

    @task
    def login_page_twice(self):
        self.client.get("/accounts/login/", name="paced")
        self.client.get("/accounts/login/", name="paced")
