"""Shared fixtures: the shipped criteria set, a small Tuần Giáo, an open quarter and personas.

Personas: ``staff`` (unit staff of the first commune), ``other_staff`` (of the second commune),
``reviewer`` and ``leader`` (on the district), ``outside_reviewer`` (reviewer on a neighbouring
district of the same province) and ``superuser``.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from scoring.periods import open_period
from tests.clients import client_for
from tests.factories import MembershipFactory, UserFactory, district, tt01_set
from units.models import Role

# On SQLite the test database is a file under var/ (see settings): make sure the folder exists.
Path(settings.BASE_DIR, "var").mkdir(exist_ok=True)


@pytest.fixture(autouse=True)
def default_language():
    # Each test starts in the product's language, as a request or a command does; one test's
    # language never carries into the next.
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The default hasher is slow by design; factories hash a password for every user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    # Evidence files go to a fresh folder per test, never into the project's var/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def criteria_set(db):
    return tt01_set()


@pytest.fixture
def tuan_giao(db):
    return district(n_communes=3, n_agencies=2)


@pytest.fixture
def other_district(tuan_giao):
    return district(n_communes=2, n_agencies=1, province=tuan_giao.province)


@pytest.fixture
def period(tuan_giao, criteria_set):
    return open_period(tuan_giao.district, 2021, 2, criteria_set)


@pytest.fixture
def card(period, tuan_giao):
    """``staff``'s scorecard: the first commune's, in the open period."""
    return period.scorecards.get(unit=tuan_giao.communes[0])


@pytest.fixture
def staff_client(staff):
    return client_for(staff)


@pytest.fixture
def reviewer_client(reviewer):
    return client_for(reviewer)


@pytest.fixture
def staff(tuan_giao):
    return MembershipFactory(
        user__username="staff", unit=tuan_giao.communes[0], role=Role.UNIT_STAFF
    ).user


@pytest.fixture
def other_staff(tuan_giao):
    return MembershipFactory(
        user__username="other_staff", unit=tuan_giao.communes[1], role=Role.UNIT_STAFF
    ).user


@pytest.fixture
def reviewer(tuan_giao):
    return MembershipFactory(
        user__username="reviewer", unit=tuan_giao.district, role=Role.REVIEWER
    ).user


@pytest.fixture
def leader(tuan_giao):
    return MembershipFactory(
        user__username="leader", unit=tuan_giao.district, role=Role.LEADER
    ).user


@pytest.fixture
def outside_reviewer(other_district):
    return MembershipFactory(
        user__username="outside_reviewer", unit=other_district.district, role=Role.REVIEWER
    ).user


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def pytest_collection_modifyitems(config, items):
    # Browser tests last: Playwright's sync API runs an event loop in the main thread while a
    # browser is open, and code that calls asyncio.run() (pyHanko's signer) cannot run inside it.
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
