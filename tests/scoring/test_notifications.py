"""Mail to the people a workflow step concerns, and the deadline reminders.

Mail goes out after the transaction commits, so every request that should mail runs inside
``django_capture_on_commit_callbacks(execute=True)``. Subjects and bodies are rendered in the
site language (Vietnamese); the tests check the recipients and the stable facts in them.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from scoring.domain import Transition, transition
from scoring.models import MailFailure, Reminder, Score, Scorecard, ScorecardStatus
from scoring.periods import open_period
from tests.clients import client_for
from tests.factories import MembershipFactory, criterion_ids, self_score
from units.models import Role

S = ScorecardStatus
T = Transition


def link(name: str, pk: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[pk])


def recipients() -> list[list[str]]:
    return [message.to for message in mail.outbox]


def mailed() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def review_data(card: Scorecard, action: str, note: str = "") -> dict:
    data = {"version": card.version, "action": action, "note": note}
    for score in card.scores.all():
        data[f"points_{score.criterion_id}"] = plain(score.reviewed_points)
        data[f"reason_{score.criterion_id}"] = score.review_reason
        data[f"comment_{score.criterion_id}"] = score.comment
    return data


def submit_data(card: Scorecard) -> dict:
    data = {"version": card.version, "action": "submit"}
    for score in card.scores.all():
        data[f"points_{score.criterion_id}"] = plain(score.self_points)
        data[f"note_{score.criterion_id}"] = score.self_note
    return data


def submitted(card: Scorecard) -> Scorecard:
    return transition(self_score(card, 2), T.SUBMIT)


@pytest.fixture
def everyone(staff, other_staff, reviewer, leader, outside_reviewer):
    """Every persona with an address, so a wrong recipient would show up."""
    return [staff, other_staff, reviewer, leader, outside_reviewer]


# Workflow mail


def test_submitting_mails_the_district_reviewers(
    card, everyone, staff, tuan_giao, django_capture_on_commit_callbacks
):
    card = self_score(card, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse("scoring:scorecard", args=[card.pk]), submit_data(card)
        )

    message = mail.outbox[0]
    assert response.status_code == 302
    assert recipients() == [["reviewer@example.test"]]
    assert tuan_giao.communes[0].name in message.subject
    assert "2021-Q2" in message.subject
    assert link("scoring:review", card.pk) in message.body


def test_a_mail_server_failure_does_not_undo_or_break_the_submission(
    card, everyone, staff, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.failing_mail.EmailBackend"}}
    card = self_score(card, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse("scoring:scorecard", args=[card.pk]), submit_data(card)
        )

    card.refresh_from_db()
    assert response.status_code == 302
    assert card.status == ScorecardStatus.SUBMITTED
    assert mail.outbox == []


def test_submitting_also_mails_reviewers_on_the_province(
    card, everyone, staff, tuan_giao, django_capture_on_commit_callbacks
):
    MembershipFactory(
        user__username="province_reviewer", unit=tuan_giao.province, role=Role.REVIEWER
    )
    card = self_score(card, 2)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(reverse("scoring:scorecard", args=[card.pk]), submit_data(card))

    # One message each: reviewers do not see each other's addresses.
    assert recipients() == [["province_reviewer@example.test"], ["reviewer@example.test"]]


def test_reviewers_without_an_address_or_inactive_are_not_mailed(
    card, staff, tuan_giao, django_capture_on_commit_callbacks
):
    MembershipFactory(user__email="", unit=tuan_giao.district, role=Role.REVIEWER)
    MembershipFactory(user__is_active=False, unit=tuan_giao.district, role=Role.REVIEWER)
    card = self_score(card, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse("scoring:scorecard", args=[card.pk]), submit_data(card)
        )

    assert response.status_code == 302
    assert Scorecard.objects.get(pk=card.pk).status == S.SUBMITTED
    assert mail.outbox == []


def test_returning_mails_the_units_staff_with_the_comment(
    card, everyone, reviewer, django_capture_on_commit_callbacks
):
    card = submitted(card)
    comment = "Bổ sung minh chứng cho chỉ số 5"

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).post(
            reverse("scoring:review", args=[card.pk]), review_data(card, "return", comment)
        )

    body = mail.outbox[0].body
    assert recipients() == [["staff@example.test"]]
    assert "2021-Q2" in mail.outbox[0].subject
    assert comment in body
    assert link("scoring:scorecard", card.pk) in body


def test_approving_mails_the_units_staff(
    card, everyone, reviewer, django_capture_on_commit_callbacks
):
    card = submitted(card)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).post(
            reverse("scoring:review", args=[card.pk]), review_data(card, "approve")
        )

    body = mail.outbox[0].body
    assert Scorecard.objects.get(pk=card.pk).status == S.APPROVED
    assert recipients() == [["staff@example.test"]]
    assert "18" in body
    assert link("scoring:scorecard", card.pk) in body


def test_saving_a_review_mails_nobody(card, everyone, reviewer, django_capture_on_commit_callbacks):
    card = submitted(card)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).post(
            reverse("scoring:review", args=[card.pk]), review_data(card, "save")
        )

    assert mail.outbox == []


def test_bulk_approval_mails_each_approved_units_staff(
    period, tuan_giao, everyone, reviewer, django_capture_on_commit_callbacks
):
    first, second, _third = (period.scorecards.get(unit=u) for u in tuan_giao.communes)
    first, second = submitted(first), submitted(second)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).post(
            reverse("scoring:bulk_approve", args=[period.pk]),
            {"cards": [f"{first.pk}:{first.version}", f"{second.pk}:{second.version}"]},
        )

    assert mailed() == ["other_staff@example.test", "staff@example.test"]


# Nothing is mailed when a step is refused


def test_a_refused_submit_mails_nobody(card, everyone, staff, django_capture_on_commit_callbacks):
    card = self_score(card, [2, 2, 2, 2, 2, 2, 2, 2, None])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client_for(staff).post(reverse("scoring:scorecard", args=[card.pk]), submit_data(card))

    assert Scorecard.objects.get(pk=card.pk).status == S.DRAFT
    assert callbacks == []
    assert mail.outbox == []


def test_a_refused_approval_mails_nobody(
    card, everyone, reviewer, django_capture_on_commit_callbacks
):
    card = submitted(card)
    Score.objects.filter(scorecard=card, criterion__code="9").update(self_points=None)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).post(
            reverse("scoring:review", args=[card.pk]), review_data(card, "approve")
        )

    assert Scorecard.objects.get(pk=card.pk).status == S.SUBMITTED
    assert mail.outbox == []


def test_a_refused_return_mails_nobody(
    card, everyone, reviewer, django_capture_on_commit_callbacks
):
    card = submitted(card)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).post(
            reverse("scoring:review", args=[card.pk]), review_data(card, "return", "")
        )

    assert Scorecard.objects.get(pk=card.pk).status == S.SUBMITTED
    assert mail.outbox == []


def test_a_refused_review_with_approve_mails_nobody(
    card, everyone, reviewer, django_capture_on_commit_callbacks
):
    card = submitted(card)
    data = review_data(card, "approve")
    data[f"points_{criterion_ids(card)['5']}"] = "1"  # an adjustment without a reason

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).post(reverse("scoring:review", args=[card.pk]), data)

    assert Scorecard.objects.get(pk=card.pk).status == S.SUBMITTED
    assert mail.outbox == []


def test_no_mail_leaves_before_the_transaction_commits(card, everyone, staff):
    card = self_score(card, 2)

    client_for(staff).post(reverse("scoring:scorecard", args=[card.pk]), submit_data(card))

    assert Scorecard.objects.get(pk=card.pk).status == S.SUBMITTED
    assert mail.outbox == []


# Reminders


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def remind(days: int = 3) -> str:
    out = io.StringIO()
    with override("en"):
        call_command("send_reminders", "--days", str(days), stdout=out)
    return out.getvalue()


@pytest.fixture
def soon(tuan_giao, criteria_set):
    """A period whose self-scoring deadline is two days away."""
    return open_period(tuan_giao.district, 2021, 3, criteria_set, self_deadline=in_days(2))


@pytest.fixture
def far(tuan_giao, criteria_set):
    """A period whose self-scoring deadline is ten days away."""
    return open_period(tuan_giao.district, 2021, 4, criteria_set, self_deadline=in_days(10))


def card_in(period, unit) -> Scorecard:
    return period.scorecards.get(unit=unit)


def test_reminders_mail_units_not_submitted_whose_deadline_is_near(soon, far, tuan_giao, everyone):
    submitted(card_in(soon, tuan_giao.communes[1]))

    remind(3)

    message = mail.outbox[0]
    card = card_in(soon, tuan_giao.communes[0])
    assert recipients() == [["staff@example.test"]]
    assert "2021-Q3" in message.subject
    assert in_days(2).strftime("%d/%m/%Y") in message.body
    assert link("scoring:scorecard", card.pk) in message.body


def test_no_reminder_for_a_submitted_card_or_a_far_deadline(soon, far, tuan_giao, everyone):
    done = submitted(card_in(soon, tuan_giao.communes[1]))

    remind(3)

    assert Reminder.objects.filter(scorecard=done).count() == 0
    assert Reminder.objects.filter(scorecard__period=far).count() == 0


def test_running_reminders_twice_the_same_day_sends_nothing_more(soon, tuan_giao, everyone):
    remind(3)
    sent, rows = len(mail.outbox), Reminder.objects.count()

    output = remind(3)

    assert (sent, len(mail.outbox)) == (2, 2)
    assert Reminder.objects.count() == rows
    assert output == "Reminders sent to 0 units.\n"
    assert set(Reminder.objects.values_list("sent_on", flat=True)) == {timezone.localdate()}


def test_a_returned_card_is_reminded_too(soon, tuan_giao, everyone):
    card = transition(submitted(card_in(soon, tuan_giao.communes[0])), T.RETURN, note="Sửa lại")

    remind(3)

    assert mailed() == ["other_staff@example.test", "staff@example.test"]
    assert Reminder.objects.filter(scorecard=card).count() == 1


def test_the_deadline_day_itself_is_reminded_but_a_passed_one_is_not(
    tuan_giao, criteria_set, everyone
):
    today = open_period(tuan_giao.district, 2021, 3, criteria_set, self_deadline=in_days(0))
    passed = open_period(tuan_giao.district, 2021, 4, criteria_set, self_deadline=in_days(-1))

    remind(3)

    assert mailed() == ["other_staff@example.test", "staff@example.test"]
    # Only the units whose staff could be mailed count as reminded; the others are tried again.
    assert Reminder.objects.filter(scorecard__period=today).count() == 2
    assert Reminder.objects.filter(scorecard__period=passed).count() == 0


def test_an_extended_deadline_is_the_one_reminded_about(far, tuan_giao, everyone, reviewer):
    card = card_in(far, tuan_giao.communes[0])
    record = client_for(reviewer).post(
        reverse("scoring:deadline", args=[card.pk]),
        {"deadline": in_days(12).isoformat(), "note": "Mưa lũ"},
    )

    remind(3)

    assert record.status_code == 302
    assert Scorecard.objects.get(pk=card.pk).deadline == in_days(12)
    assert mail.outbox == []


def test_the_window_follows_the_days_option(far, tuan_giao, everyone):
    remind(10)

    assert mailed() == ["other_staff@example.test", "staff@example.test"]


def test_an_approved_card_is_not_reminded(soon, tuan_giao, everyone):
    card = transition(submitted(card_in(soon, tuan_giao.communes[0])), T.APPROVE)

    remind(3)

    assert mailed() == ["other_staff@example.test"]
    assert Reminder.objects.filter(scorecard=card).count() == 0


# Mail never breaks a step


def test_a_mail_backend_that_raises_leaves_the_submission_saved_and_tells_the_administrators(
    card, everyone, staff, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.failing_mail.BrokenBackend"}}
    card = self_score(card, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse("scoring:scorecard", args=[card.pk]), submit_data(card)
        )

    card.refresh_from_db()
    failure = MailFailure.objects.get()
    assert response.status_code == 302
    assert card.status == ScorecardStatus.SUBMITTED
    assert (failure.scorecard, failure.recipients) == (card, "reviewer@example.test")
    assert failure.error == "RuntimeError: the mail backend is misconfigured"


def test_a_unit_name_with_a_line_break_still_mails_on_one_subject_line(
    card, everyone, staff, django_capture_on_commit_callbacks
):
    card.unit.name = "Xã Quài\nNưa"
    card.unit.save()
    card = self_score(card, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse("scoring:scorecard", args=[card.pk]), submit_data(card)
        )

    assert response.status_code == 302
    assert "Xã Quài Nưa" in mail.outbox[0].subject
    assert MailFailure.objects.count() == 0


def test_plain_text_mail_is_not_html_escaped(
    card, everyone, reviewer, django_capture_on_commit_callbacks
):
    card.unit.name = 'Phòng "Tài chính" & Kế hoạch'
    card.unit.save()
    card = submitted(card)

    with django_capture_on_commit_callbacks(execute=True):
        transition(card, T.RETURN, actor=reviewer, note='Bổ sung "biên bản" & sổ <1>')

    body = mail.outbox[0].body
    assert 'Phòng "Tài chính" & Kế hoạch' in body
    assert 'Bổ sung "biên bản" & sổ <1>' in body
    assert "&quot;" not in body and "&amp;" not in body and "&lt;" not in body


def test_a_moved_units_submission_mails_the_district_that_scores_it_this_quarter(
    card, everyone, staff, tuan_giao, other_district, django_capture_on_commit_callbacks
):
    card.unit.parent = other_district.district
    card.unit.save()
    card = self_score(card, 2)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(reverse("scoring:scorecard", args=[card.pk]), submit_data(card))

    assert mailed() == ["reviewer@example.test"]


def test_a_reviewer_on_the_units_own_staff_is_not_asked_to_review_it(
    card, everyone, staff, tuan_giao, django_capture_on_commit_callbacks
):
    MembershipFactory(user=staff, unit=tuan_giao.district, role=Role.REVIEWER)
    card = self_score(card, 2)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(reverse("scoring:scorecard", args=[card.pk]), submit_data(card))

    assert mailed() == ["reviewer@example.test"]
