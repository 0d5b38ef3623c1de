"""The audit log: who changed what, when, with the values before and after, for the models
outside the scorecards' own history; browsable and exportable by administrators."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse

from scoring.models import Period
from tests.factories import UnitFactory
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
