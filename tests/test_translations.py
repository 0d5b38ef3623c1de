"""The interface speaks Vietnamese: the catalogue is complete and pages render in it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

PO = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def entries() -> list[str]:
    return PO.read_text(encoding="utf-8").split("\n\n")[1:]  # the first block is the header


def test_every_message_has_a_vietnamese_translation():
    untranslated = [
        block
        for block in entries()
        if re.search(r'^msgstr(\[0\])? ""\n?$', block, re.MULTILINE)
        and not re.search(r'^msgstr(\[0\])? ""\n"', block, re.MULTILINE)
    ]
    assert untranslated == []


def test_no_translation_is_left_fuzzy():
    assert [block for block in entries() if "#, fuzzy" in block] == []


def test_the_compiled_catalogue_is_not_older_than_the_source():
    mo = PO.with_suffix(".mo")
    assert mo.stat().st_mtime >= PO.stat().st_mtime - 1


@pytest.mark.django_db
def test_the_login_page_is_in_vietnamese_by_default(client):
    response = client.get(reverse("login"))

    assert response.headers["Content-Language"] == "vi"
    assert "Đăng nhập" in response.content.decode()


@pytest.mark.django_db
def test_the_board_speaks_vietnamese(client, period, reviewer):
    client.force_login(reviewer)

    page = client.get(reverse("scoring:board", args=[period.pk])).content.decode()

    assert "Quý II năm 2021" in page
    assert "Các xã" in page
    assert "Nháp" in page


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese(client):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})

    assert "Đăng nhập" in response.content.decode()


@pytest.mark.django_db
def test_a_user_who_chooses_english_gets_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(reverse("login"))

    assert response.headers["Content-Language"] == "en"
    assert "Log in" in response.content.decode()


@pytest.mark.django_db
def test_another_units_scorecard_answers_a_vietnamese_404_page(client, card, other_staff):
    client.force_login(other_staff)

    response = client.get(reverse("scoring:scorecard", args=[card.pk]))

    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.django_db
def test_a_refused_action_answers_a_vietnamese_403_page(client, card, leader):
    client.force_login(leader)

    response = client.get(reverse("scoring:review", args=[card.pk]))

    assert response.status_code == 403
    assert "Không được phép" in response.content.decode()


def test_the_500_page_is_vietnamese_in_the_sites_look_with_a_way_home(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Đã xảy ra lỗi" in html and 'href="/"' in html
    assert "css/app.css" in html and 'class="topbar"' in html
