"""The audit log: who changed what, when, with the values before and after, for every model
a user changes, rows written in bulk included (imported figures, scores, scorecards:
``tthc_scoring.audit``); browsable and exportable by administrators."""

import csv
import io
import json
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports import domain as imports
from imports.tables import read_table
from scoring.domain import (
    Entry,
    ScoringError,
    Transition,
    record_review,
    record_self_scores,
    save_self_assessment,
    transition,
)
from scoring.models import DossierStats, Period, Score, Scorecard
from scoring.resources import DossierStatsResource, ScoreResource
from tests.factories import UnitFactory, attach_required_evidence, self_score
from tests.imports.filekit import refusal, run, table_file
from tthc_scoring.admin import LogEntryResource
from units.models import Membership

pytestmark = pytest.mark.django_db


def test_a_change_made_through_a_page_is_recorded_with_who_and_the_values(
    reviewer_client, reviewer, period
):
    from tests.scoring.test_quarter import confirm, step

    confirm(reviewer_client, step(reviewer_client))  # opens 2021-Q3 through the browser form

    opened = Period.objects.get(year=2021, quarter=3)
    entry = LogEntry.objects.get_for_object(opened).get(action=LogEntry.Action.CREATE)
    assert entry.actor == reviewer
    assert entry.remote_addr == "127.0.0.1"
    assert entry.changes_dict["quarter"] == ["None", "3"]


def test_an_edit_shows_the_values_before_and_after(admin_user):
    unit = UnitFactory(name="Xã Cũ")
    with set_actor(admin_user):
        unit.name = "Xã Mới"
        unit.save()

    entry = LogEntry.objects.get_for_object(unit).get(action=LogEntry.Action.UPDATE)
    assert (entry.actor, entry.changes_dict["name"]) == (admin_user, ["Xã Cũ", "Xã Mới"])


def test_memberships_periods_and_reports_are_tracked(period, reviewer):
    from reports.domain import edit, report_for

    report = edit(report_for(period), {"number": "15"})

    assert LogEntry.objects.get_for_object(Membership.objects.get(user=reviewer)).exists()
    assert LogEntry.objects.get_for_object(period).exists()
    assert LogEntry.objects.get_for_object(report).filter(action=LogEntry.Action.UPDATE).exists()


def test_a_password_is_never_written_to_the_log(staff):
    staff.set_password("Mat-khau-moi-rat-dai-2026")
    staff.save()

    entry = LogEntry.objects.get_for_object(staff).filter(action=LogEntry.Action.UPDATE).last()
    _before, after = entry.changes_dict["password"]
    assert "Mat-khau" not in after and "pbkdf2" not in after


def test_administrators_browse_and_export_the_log(admin_client, period):
    from tthc_scoring.admin import LogEntryResource

    assert admin_client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:auditlog_logentry_export")).status_code == 200

    text = LogEntryResource().export().csv
    assert text.splitlines()[0] == (
        "timestamp,actor,remote_addr,model,object_pk,object_repr,action,changes"
    )
    assert "scoring.period" in text


# ---------------------------------------------------------------------------------------------
# Rows written in bulk: imported figures

STATS = ["unit", "year", "quarter", "received_online", "received_offline", "carried_over"]


def stats_file(*rows) -> tuple[str, bytes]:
    return table_file([STATS, *([u.code, 2021, 2, *figures] for u, figures in rows)], "csv")


def entries_of(model, **filters):
    return LogEntry.objects.get_for_model(model).filter(**filters).order_by("object_id")


def test_an_import_logs_each_new_row_as_created_by_the_importer(period, tuan_giao, reviewer):
    first, second = tuan_giao.communes[:2]

    run(
        DossierStatsResource(), *stats_file((first, [12, 3, 0]), (second, [7, 0, 1])), user=reviewer
    )

    stats = DossierStats.objects.get(unit=first)
    created = entries_of(DossierStats)
    assert [(e.object_repr, e.action, e.actor) for e in created] == [
        (str(stats), LogEntry.Action.CREATE, reviewer),
        (str(DossierStats.objects.get(unit=second)), LogEntry.Action.CREATE, reviewer),
    ]
    entry = created[0]
    assert (entry.object_id, entry.object_pk) == (stats.pk, str(stats.pk))
    assert entry.additional_data == {"import_batch": stats.import_batch_id}
    assert entry.changes == {
        "id": ["None", str(stats.pk)],
        "unit": ["None", str(first.pk)],
        "year": ["None", "2021"],
        "quarter": ["None", "2"],
        "received_online": ["None", "12"],
        "received_offline": ["None", "3"],
        "carried_over": ["None", "0"],
        **{name: ["None", "0"] for name in ZERO_COLUMNS},
        "import_batch": ["None", str(stats.import_batch_id)],
    }
    # what auditlog itself writes for a row saved one at a time
    assert entry.changes == {k: list(v) for k, v in model_instance_diff(None, stats).items()}


ZERO_COLUMNS = [
    "resolved_early",
    "resolved_on_time",
    "resolved_overdue",
    "pending_on_time",
    "pending_overdue",
    "online_overdue",
    "procedures_total",
    "procedures_online",
]


def test_a_changed_value_imported_again_is_one_update_with_its_before_and_after(
    period, tuan_giao, staff, reviewer
):
    first, second = tuan_giao.communes[:2]
    run(DossierStatsResource(), *stats_file((first, [12, 3, 0]), (second, [7, 0, 1])), user=staff)

    again = stats_file((first, [12, 5, 0]), (second, [7, 0, 1]))
    preview = imports.preview(DossierStatsResource(), read_table(*again), user=reviewer)
    assert preview.changed == 1
    assert not entries_of(DossierStats, action=LogEntry.Action.UPDATE).exists()  # nor logged
    run(DossierStatsResource(), *again, user=reviewer)

    stats = DossierStats.objects.get(unit=first)
    (entry,) = entries_of(DossierStats, action=LogEntry.Action.UPDATE)
    assert (entry.object_id, entry.actor, entry.changes) == (
        stats.pk,
        reviewer,
        {"received_offline": ["3", "5"]},
    )
    assert entry.additional_data == {"import_batch": stats.import_batch_id}
    assert entries_of(DossierStats).count() == 3  # the second unit's row did not change


def test_a_refused_import_leaves_nothing_in_the_log(period, tuan_giao, reviewer):
    first, second = tuan_giao.communes[:2]
    logged = LogEntry.objects.count()

    refusal(
        DossierStatsResource(),
        *stats_file((first, [12, 3, 0]), (second, [7, 0, -1])),
        user=reviewer,
    )

    assert DossierStats.objects.count() == 0
    assert LogEntry.objects.count() == logged


def test_a_score_file_logs_each_changed_score_with_its_batch(period, tuan_giao, reviewer):
    unit = tuan_giao.communes[0]
    rows = [
        ["period", "unit", "criterion", "self_points", "self_note", "reviewed_points"],
        ["2021-Q2", unit.code, "3", "1", "Theo sổ", ""],
        ["2021-Q2", unit.code, "4", "", "", ""],  # as stored: no change, no entry
    ]

    run(ScoreResource(), *table_file(rows, "csv"), user=reviewer)

    score = Score.objects.get(scorecard__unit=unit, criterion__code="3")
    (entry,) = entries_of(Score)
    assert (entry.object_id, entry.object_repr, entry.actor) == (score.pk, str(score), reviewer)
    assert entry.changes == {"self_points": ["None", "1.00"], "self_note": ["", "Theo sổ"]}
    assert entry.additional_data == {"import_batch": score.scorecard.events.last().import_batch_id}


# ---------------------------------------------------------------------------------------------
# Rows written in bulk: scores and scorecards


def criterion_ids(card) -> dict[str, int]:
    return dict(card.scores.values_list("criterion__code", "criterion_id"))


def test_a_self_score_saved_through_the_page_is_logged_with_who_where_and_the_points(
    staff_client, staff, card
):
    ids = criterion_ids(card)
    data = {"version": card.version, "action": "save"}
    for code, cid in ids.items():
        data[f"points_{cid}"], data[f"note_{cid}"] = ("2", "Đủ hồ sơ") if code == "1" else ("", "")

    response = staff_client.post(reverse("scoring:scorecard", args=[card.pk]), data)

    assert response.status_code == 302
    score = card.scores.get(criterion__code="1")
    (entry,) = entries_of(Score)
    assert (entry.object_id, entry.object_repr, entry.action) == (
        score.pk,
        f"{card.unit} — 2021-Q2 — 1",
        LogEntry.Action.UPDATE,
    )
    assert (entry.actor, entry.remote_addr) == (staff, "127.0.0.1")
    assert entry.changes == {"self_points": ["None", "2.00"], "self_note": ["", "Đủ hồ sơ"]}


def test_a_second_save_logs_the_points_before_and_after_and_only_what_changed(staff, card):
    ids = criterion_ids(card)
    record_self_scores(card, {ids["1"]: Entry(Decimal(1), "Cũ"), ids["2"]: Entry(Decimal(2))})
    card.refresh_from_db()

    record_self_scores(
        card, {ids["1"]: Entry(Decimal("2"), "Cũ"), ids["2"]: Entry(Decimal(2))}, actor=staff
    )

    latest = entries_of(Score, actor=staff)
    assert [(e.object_repr, e.changes) for e in latest] == [
        (f"{card.unit} — 2021-Q2 — 1", {"self_points": ["1.00", "2.00"]})
    ]


def test_auditlog_s_context_gives_the_actor_and_address_when_the_caller_does_not(staff, card):
    ids = criterion_ids(card)

    with set_actor(staff, remote_addr="10.0.0.7"):
        record_self_scores(card, {ids["5"]: Entry(Decimal(1), "Theo sổ")})

    (entry,) = entries_of(Score)
    assert (entry.actor, entry.actor_email, entry.remote_addr) == (
        staff,
        staff.email,
        "10.0.0.7",
    )


def test_a_reviewer_s_adjustment_is_logged_with_the_reviewer_and_the_points(reviewer, card):
    card = transition(self_score(card, 2), Transition.SUBMIT)
    ids = criterion_ids(card)
    logged = set(entries_of(Score).values_list("pk", flat=True))

    record_review(card, {ids["3"]: Entry(Decimal(1), "Thiếu biên bản")}, actor=reviewer)

    (entry,) = entries_of(Score).exclude(pk__in=logged)
    assert (entry.object_repr, entry.actor) == (f"{card.unit} — 2021-Q2 — 3", reviewer)
    assert entry.changes == {
        "reviewed_points": ["None", "1.00"],
        "review_reason": ["", "Thiếu biên bản"],
    }


def test_a_save_and_submit_logs_scores_and_status_in_one_insert(staff, card):
    attach_required_evidence(card)
    card.refresh_from_db()
    entries = {cid: Entry(Decimal(1), "Theo sổ") for cid in criterion_ids(card).values()}

    with CaptureQueriesContext(connection) as queries:
        save_self_assessment(card, entries, submit=True, actor=staff, expected_version=card.version)

    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "auditlog_logentry"')]
    assert len(inserts) == 1
    assert entries_of(Score, actor=staff).count() == len(entries)
    (status,) = entries_of(Scorecard, actor=staff)
    assert status.changes["status"] == ["draft", "submitted"]
    assert sorted(status.changes) == ["status", "submitted_at"]
    assert status.changes["submitted_at"][0] == "None"


def test_a_refused_submission_leaves_neither_scores_nor_entries(staff, card):
    ids = criterion_ids(card)

    with pytest.raises(ScoringError):
        save_self_assessment(card, {ids["1"]: Entry(Decimal(1), "")}, submit=True, actor=staff)

    assert card.scores.filter(self_points__isnull=False).count() == 0
    assert not LogEntry.objects.get_for_model(Score).exists()
    assert not LogEntry.objects.get_for_model(Scorecard).exists()


def test_administrators_see_and_export_the_entries_written_in_bulk(
    admin_client, admin_user, period, tuan_giao, card
):
    run(DossierStatsResource(), *stats_file((tuan_giao.communes[0], [1, 2, 0])), user=admin_user)
    record_self_scores(card, {criterion_ids(card)["1"]: Entry(Decimal(2), "Đủ")}, actor=admin_user)
    score = card.scores.get(criterion__code="1")

    page = admin_client.get(reverse("admin:auditlog_logentry_changelist"))

    assert page.status_code == 200
    assert str(score) in page.content.decode()
    detail = admin_client.get(
        reverse("admin:auditlog_logentry_change", args=[entries_of(Score).get().pk])
    )
    assert detail.status_code == 200
    rows = list(csv.DictReader(io.StringIO(LogEntryResource().export().csv)))
    exported = {
        r["model"]: r for r in rows if r["model"] in {"scoring.score", "scoring.dossierstats"}
    }
    assert (exported["scoring.score"]["actor"], exported["scoring.score"]["object_repr"]) == (
        admin_user.username,
        str(score),
    )
    assert json.loads(exported["scoring.score"]["changes"]) == {
        "self_points": ["None", "2.00"],
        "self_note": ["", "Đủ"],
    }
    assert json.loads(exported["scoring.dossierstats"]["changes"])["received_online"] == [
        "None",
        "1",
    ]
