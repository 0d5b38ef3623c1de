"""Two-step login (TOTP) for the roles OTP_REQUIRED_FOR names: set up with a QR code, then a
code at every login (or a one-time recovery code); nothing else is reachable before."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.clients import english

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED_FOR = ["reviewer", "leader", "admin"]


def logged_in(user) -> Client:
    client = english(Client())
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    return client


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def set_up(client, user) -> list[str]:
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user)
    page = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    return re.findall(r"<li><code>(\w+)</code></li>", page.content.decode())


def test_a_reviewer_reaches_nothing_before_setting_up_the_second_factor(required, reviewer, period):
    client = logged_in(reviewer)
    board = reverse("scoring:board", args=[period.pk])

    first = client.get(board)

    assert first.status_code == 302
    assert first["Location"] == f"{reverse('two_factor_setup')}?next={board}"
    page = client.get(first["Location"]).content.decode()
    assert 'src="data:image/svg+xml' in page and 'id="totp-secret"' in page


def test_setting_up_gives_ten_recovery_codes_and_opens_the_site(required, reviewer, period):
    client = logged_in(reviewer)

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    time.sleep(1.1)  # django-otp makes a device wait after a wrong code (1 s after the first)
    codes = set_up(client, reviewer)

    assert "That code is not right" in wrong.content.decode()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    assert client.get(reverse("scoring:board", args=[period.pk])).status_code == 200


def test_every_later_login_asks_for_a_code_and_a_recovery_code_works_once(
    required, reviewer, period
):
    codes = set_up(logged_in(reviewer), reviewer)
    board = reverse("scoring:board", args=[period.pk])

    client = logged_in(reviewer)
    assert client.get(board)["Location"].startswith(reverse("two_factor_verify"))
    client.post(reverse("two_factor_verify"), {"code": codes[0], "next": board})
    assert client.get(board).status_code == 200

    again = logged_in(reviewer)
    refused = again.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert "already used" in refused.content.decode()
    assert again.get(board).status_code == 302


def test_a_code_from_the_app_verifies_a_new_login(required, leader, period):
    set_up(logged_in(leader), leader)
    client = logged_in(leader)
    device = TOTPDevice.objects.get(user=leader)
    device.refresh_from_db()
    # The code used at set-up cannot be used twice: wait for the app's next one.
    device.last_t = device.last_t - 1
    device.save()

    answer = client.post(reverse("two_factor_verify"), {"code": code_for(device)})

    assert answer.status_code == 302
    assert client.get(reverse("reports:report", args=[period.pk])).status_code == 200


def test_unit_staff_are_not_asked(required, staff, card):
    client = logged_in(staff)

    assert client.get(reverse("scoring:scorecard", args=[card.pk])).status_code == 200


def test_nobody_is_asked_when_the_setting_is_empty(settings, reviewer, period):
    settings.OTP_REQUIRED_FOR = []
    client = logged_in(reviewer)

    assert client.get(reverse("scoring:board", args=[period.pk])).status_code == 200


def test_the_admin_is_behind_the_sites_login(client):
    answer = client.get(reverse("admin:login"), {"next": "/admin/"})

    assert answer.status_code == 302
    assert answer["Location"] == f"{reverse('login')}?next=%2Fadmin%2F"


def test_the_password_alone_cannot_pair_another_device(required, reviewer):
    set_up(logged_in(reviewer), reviewer)
    intruder = logged_in(reviewer)  # knows the password, not the phone

    answer = intruder.get(reverse("two_factor_setup"))
    posted = intruder.post(reverse("two_factor_setup"), {"code": "123456"})

    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("two_factor_verify"))
    assert posted.status_code == 302
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1
