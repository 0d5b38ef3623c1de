"""People saving at the same moment, as they do before a deadline.

Different units saving together must all succeed: no error, no deadlock, no lost write, on
PostgreSQL and on SQLite (the default of ``make run``), through the real pages in threads,
each thread on its own database connection. Two people saving the same scorecard from the
same version: one wins, the other is told so and keeps their input on the page.

For the same-scorecard races, ``scoring.domain._lock`` is wrapped so that whoever gets the
lock holds it a little before writing. The other session is then inside its own save at the
same time: without the lock both would read the old version, both would pass the check and
both would write (a lost update); with it, the second waits, reads the new version and is
refused with ``StaleScorecard``.
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
from scoring.models import EventKind, Scorecard, ScorecardStatus
from scoring.periods import open_period
from tests.clients import client_for, english, url
from tests.factories import MembershipFactory, attach_required_evidence, district
from units.models import Role

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


# Different units at the same moment

UNITS = 8
SUBMIT = "submit"


@pytest.fixture
def crowd(criteria_set):
    """A district of ``UNITS`` units with an open quarter, one signed-in staff client each,
    every card with its evidence files already attached (so that a submit is accepted)."""
    place = district(n_communes=UNITS - 2, n_agencies=2)
    period = open_period(place.district, 2021, 3, criteria_set)
    clients = {}
    for card in period.scorecards.select_related("unit"):
        attach_required_evidence(card)
        user = MembershipFactory(unit=card.unit, role=Role.UNIT_STAFF).user
        clients[card.pk] = client_for(user)
    return period, clients


def evidence_free(card: Scorecard, values: dict) -> dict:
    """``values`` with an explanation on every criterion."""
    return {cid: (points, note or "Có sổ theo dõi") for cid, (points, note) in values.items()}


def page_and_post(client: Client, url: str, values: dict, action: str, barrier):
    page = client.get(url)
    assert page.status_code == 200
    (version,) = set(VERSION_INPUT.findall(page.content.decode()))
    data = {"version": version, "action": action}
    for cid, (points, note) in values.items():
        data[f"points_{cid}"] = str(points)
        data[f"note_{cid}"] = note
    barrier.wait()  # every unit presses its button at once
    return client.post(url, data)


@pytest.mark.django_db(transaction=True)
def test_units_saving_at_the_same_moment_all_succeed_and_nothing_is_lost(crowd):
    period, clients = crowd
    cards = {card.pk: card for card in period.scorecards.all()}
    ids = {
        pk: list(card.scores.order_by("criterion__order").values_list("criterion_id", flat=True))
        for pk, card in cards.items()
    }

    for round_no in range(ROUNDS):
        action = "submit" if round_no == ROUNDS - 1 else "save"
        wanted = {
            pk: evidence_free(cards[pk], values_for(ids[pk], round_no, pk, f"đơn vị {pk}"))
            for pk in cards
        }

        responses = race(
            {
                pk: partial(page_and_post, client, url(cards[pk]), wanted[pk], action)
                for pk, client in clients.items()
            }
        )

        statuses = {pk: r.status_code for pk, r in responses.items()}
        assert statuses == dict.fromkeys(cards, 302), f"round {round_no}: {statuses}"
        for pk in cards:
            after = Scorecard.objects.get(pk=pk)
            assert stored(after) == wanted[pk], f"round {round_no}: unit {pk} lost its save"
            assert self_scored_events(after) == round_no + 1
    assert set(period.scorecards.values_list("status", flat=True)) == {ScorecardStatus.SUBMITTED}


@pytest.mark.django_db(transaction=True)
def test_a_unit_saving_while_others_submit_changes_no_one_elses_row(crowd):
    period, clients = crowd
    first, *others = period.scorecards.order_by("pk")
    complete = {
        card.pk: evidence_free(
            card, values_for(list(card.scores.values_list("criterion_id", flat=True)), 0, 0, "x")
        )
        for card in others
    }
    before = Scorecard.objects.get(pk=first.pk).version

    responses = race(
        {
            card.pk: partial(
                page_and_post, clients[card.pk], url(card), complete[card.pk], "submit"
            )
            for card in others
        }
    )

    assert {r.status_code for r in responses.values()} == {302}
    assert Scorecard.objects.get(pk=first.pk).version == before
