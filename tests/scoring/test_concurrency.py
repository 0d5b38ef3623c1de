"""Two people saving the same scorecard at the same moment: one wins, the other is told so.

Runs only on PostgreSQL: SQLite serialises every write, so there is no race to lose there.
Each session runs in its own thread and therefore on its own database connection.

To make every round a real race, ``scoring.domain._lock`` is wrapped so that whoever gets the
row lock holds it a little before writing. The other session is then inside its own save at
the same time: without ``select_for_update`` both would read the old version, both would pass
the check and both would write (a lost update); with it, the second waits, reads the new
version and is refused with ``StaleScorecard``.
"""

import html
import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from scoring import domain
from scoring.domain import Entry, StaleScorecard, record_self_scores
from scoring.models import EventKind, Scorecard
from tests.clients import english
from tests.factories import MembershipFactory
from units.models import Role

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real concurrency)"
    ),
]

ROUNDS = 5
HOLD = 0.2  # seconds the winner keeps the row lock, so the loser's save overlaps it
TIMEOUT = 30
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')


@pytest.fixture
def slow_lock(monkeypatch):
    """Hold the scorecard row lock a moment after taking it, to widen the race window."""
    original = domain._lock

    def held(scorecard, expected_version):
        locked = original(scorecard, expected_version)
        time.sleep(HOLD)
        return locked

    monkeypatch.setattr(domain, "_lock", held)


@pytest.fixture
def two_staff(tuan_giao):
    unit = tuan_giao.communes[0]
    return [
        MembershipFactory(user__username=name, unit=unit, role=Role.UNIT_STAFF).user
        for name in ("staff_a", "staff_b")
    ]


def stale_message() -> str:
    with override("en"):
        return StaleScorecard().messages[0]


def race(workers: dict[str, Callable[[threading.Barrier], object]]) -> dict:
    """Run each worker in its own thread and return their results by name.

    Workers get a shared barrier and wait on it just before the step that must coincide.
    Each thread closes its database connection when it ends. An unexpected exception in a
    worker fails the test in the main thread.
    """
    barrier = threading.Barrier(len(workers), timeout=TIMEOUT)
    results, errors = {}, {}

    def run(name, work):
        try:
            results[name] = work(barrier)
        except BaseException as exc:
            errors[name] = exc
            barrier.abort()  # do not leave the other session waiting for this one
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in workers.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a session never finished"
    if errors:
        # The session that failed first, not the one that found the barrier broken.
        first = [e for e in errors.values() if not isinstance(e, threading.BrokenBarrierError)]
        raise (first or list(errors.values()))[0]
    return results


def stored(card: Scorecard) -> dict[int, tuple[Decimal | None, str]]:
    return {
        cid: (points, note)
        for cid, points, note in card.scores.values_list("criterion_id", "self_points", "self_note")
    }


def values_for(criterion_ids: list[int], round_no: int, offset: int, who: str) -> dict:
    """Distinct points (0, 1 or 2) and a note naming the session and round, per criterion."""
    return {
        cid: (Decimal((round_no + offset + i) % 3), f"Vòng {round_no}, {who}")
        for i, cid in enumerate(criterion_ids)
    }


def self_scored_events(card: Scorecard) -> int:
    return card.events.filter(kind=EventKind.SELF_SCORED).count()


def load_and_save(client: Client, url: str, version: int, values: dict, barrier):
    """One browser session: load the scorecard page, then press "Save" with ``values``."""
    page = client.get(url)
    assert page.status_code == 200
    seen = set(VERSION_INPUT.findall(page.content.decode()))
    assert seen == {str(version)}, f"the page was loaded at version {seen}, not {version}"
    data = {"version": seen.pop(), "action": "save"}
    for cid, (points, note) in values.items():
        data[f"points_{cid}"] = str(points)
        data[f"note_{cid}"] = note
    barrier.wait()  # both pages are loaded at the same version; now both press "Save"
    return client.post(url, data)


def save_at(card_pk: int, actor, version: int, values: dict, barrier) -> str:
    """Save ``values`` through the domain, expecting ``version``; "saved" or "stale"."""
    opened = Scorecard.objects.get(pk=card_pk)
    assert opened.version == version
    entries = {cid: Entry(points, note) for cid, (points, note) in values.items()}
    barrier.wait()
    try:
        record_self_scores(opened, entries, actor=actor, expected_version=version)
    except StaleScorecard:
        return "stale"
    return "saved"


@pytest.mark.django_db(transaction=True)
def test_two_sessions_posting_the_same_version_one_wins(card, two_staff, slow_lock):
    url = reverse("scoring:scorecard", args=[card.pk])
    clients = {}
    for user in two_staff:
        client = english()
        client.force_login(user)
        clients[user.username] = client
    ids = list(card.scores.order_by("criterion__order").values_list("criterion_id", flat=True))
    conflict = html.escape(stale_message())

    for round_no in range(ROUNDS):
        version = Scorecard.objects.get(pk=card.pk).version
        events = self_scored_events(card)
        wanted = {
            name: values_for(ids, round_no, offset, name) for offset, name in enumerate(clients)
        }

        responses = race(
            {
                name: partial(load_and_save, client, url, version, wanted[name])
                for name, client in clients.items()
            }
        )

        winners = [name for name, r in responses.items() if r.status_code == 302]
        losers = [name for name, r in responses.items() if r.status_code != 302]
        assert len(winners) == 1, f"round {round_no}: {len(winners)} sessions saved"
        (winner,), (loser,) = winners, losers
        assert responses[winner].url == url
        lost = responses[loser]
        assert lost.status_code == 200
        assert conflict in lost.content.decode(), "the loser is not told about the conflict"

        after = Scorecard.objects.get(pk=card.pk)
        assert stored(after) == wanted[winner]
        assert after.version == version + 1
        assert self_scored_events(card) == events + 1


@pytest.mark.django_db(transaction=True)
def test_two_domain_saves_with_the_same_expected_version_one_wins(card, two_staff, slow_lock):
    ids = list(card.scores.order_by("criterion__order").values_list("criterion_id", flat=True))
    actors = {user.username: user for user in two_staff}

    for round_no in range(ROUNDS):
        version = Scorecard.objects.get(pk=card.pk).version
        events = self_scored_events(card)
        wanted = {
            name: values_for(ids, round_no, offset, name) for offset, name in enumerate(actors)
        }

        outcomes = race(
            {
                name: partial(save_at, card.pk, actor, version, wanted[name])
                for name, actor in actors.items()
            }
        )

        assert sorted(outcomes.values()) == ["saved", "stale"], f"round {round_no}: {outcomes}"
        winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
        after = Scorecard.objects.get(pk=card.pk)
        assert stored(after) == wanted[winner]
        assert after.version == version + 1
        assert self_scored_events(card) == events + 1
        event = after.events.filter(kind=EventKind.SELF_SCORED).latest("id")
        assert event.actor == actors[winner]
