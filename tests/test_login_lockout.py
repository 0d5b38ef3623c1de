"""Repeated failed logins lock the account, and the address, for a while; the page says so in
Vietnamese; an administrator unlocks it; strong passwords are required."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"  # tests.factories.UserFactory's password


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_account_is_locked_after_the_limit_even_with_the_right_password(
    client, staff, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    answers = [log_in(client, "staff", f"sai-{n}", address=f"10.0.0.{n}") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]  # the limit-th is refused too

    locked = log_in(client, "staff", RIGHT, address="10.0.0.9")

    html = locked.content.decode()
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in html and "30 phút" in html
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_after_the_limit_whatever_the_user(
    client, staff, other_staff, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for name in ("a", "b", "c"):
        log_in(client, name, "sai", address="10.9.9.9")

    assert log_in(client, "staff", RIGHT, address="10.9.9.9").status_code == 429
    assert log_in(client, "other_staff", RIGHT, address="10.1.1.1").status_code == 302


def test_an_administrator_unlocks_by_deleting_the_attempts(client, staff, settings, admin_client):
    settings.AXES_FAILURE_LIMIT = 2
    for attempt in range(2):
        log_in(client, "staff", f"sai-{attempt}")
    assert log_in(client, "staff", RIGHT).status_code == 429
    attempt = AccessAttempt.objects.get(username="staff")

    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert not AccessAttempt.objects.filter(username="staff").exists()
    assert log_in(client, "staff", RIGHT).status_code == 302


def test_behind_the_proxy_the_address_is_the_one_nginx_sets(client, staff, settings):
    from tthc_scoring.security import client_ip

    settings.BEHIND_PROXY = True

    class Request:
        META = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.113.1.7"}

    assert client_ip(Request) == "203.113.1.7"
    settings.BEHIND_PROXY = False
    assert client_ip(Request) == "127.0.0.1"


@pytest.mark.parametrize("password", ["tthc2021", "1234567890", "password12", "qwertyuiop"])
def test_weak_passwords_are_refused(staff, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=staff)


def test_a_long_unusual_password_is_accepted(staff):
    validate_password("Quai-Cang-mua-lua-2021", user=staff)
