"""The review page shows each suggestion with the figures and the file it came from, and the
"no procedure arose" suggestion; its query count does not grow with the suggestions.

The reviewer's client reads the page in English (the language cookie); one test reads it in
Vietnamese.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from criteria.models import CriteriaSet
from scoring.domain import Transition, declare_no_tthc, refresh_suggestions, transition
from scoring.models import (
    DossierStats,
    ImportBatch,
    ImportKind,
    ImportOutcome,
    IndicatorFigure,
    Scorecard,
)
from scoring.periods import open_period
from tests.clients import client_for
from tests.factories import (
    BandFactory,
    CriteriaSetFactory,
    CriterionFactory,
    MembershipFactory,
    UserFactory,
    district,
    self_score,
)
from units.models import Role


def url(card: Scorecard) -> str:
    return reverse("scoring:review", args=[card.pk])


def row(html: str, code: str) -> str:
    return re.search(rf'<tr id="c{re.escape(code)}">(.*?)</tr>', html, re.S).group(1)


def suggested_cell(html: str, code: str) -> str:
    """The text of the "Suggested" cell of a criterion's row."""
    cell = re.search(r'<td class="num" data-label="Suggested: ">(.*?)</td>', row(html, code), re.S)
    return text(cell.group(1))


def text(html: str) -> str:
    """The HTML's text, tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def imported(name: str, user=None, at=(2021, 7, 5, 14, 30)) -> ImportBatch:
    batch = ImportBatch.objects.create(
        kind=ImportKind.DOSSIER_STATS,
        file_name=name,
        imported_by=user,
        outcome=ImportOutcome.SUCCEEDED,
    )
    when = timezone.make_aware(datetime.datetime(*at))
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=when)
    return batch


def stats(unit, batch=None, **counts) -> DossierStats:
    return DossierStats.objects.create(
        unit=unit, year=2021, quarter=2, import_batch=batch, **counts
    )


def refreshed(period, language="en"):
    with translation.override(language):
        refresh_suggestions(period)


ONLINE = {
    "procedures_total": 100,
    "procedures_online": 20,
    "received_online": 30,
    "received_offline": 70,
    "resolved_early": 45,
    "resolved_on_time": 52,
    "resolved_overdue": 3,
}


@pytest.fixture
def submitted(card):
    return transition(self_score(card, 2), Transition.SUBMIT)


def test_each_suggestion_shows_its_figures_and_the_file_date_and_importer(
    reviewer_client, period, card, submitted
):
    importer = UserFactory(first_name="Lò Văn", last_name="Thắng")
    stats(card.unit, imported("bieu06-q2-2021.xlsx", importer), **ONLINE)
    refreshed(period)

    html = reviewer_client.get(url(submitted)).content.decode()

    assert suggested_cell(html, "9") == (
        "2 20 of 100 procedures online (20.0%); 30 of 100 dossiers received online (30.0%); "
        "0 online dossiers overdue. "
        "Imported from bieu06-q2-2021.xlsx on 05/07/2021 14:30 by Lò Văn Thắng"
    )
    assert suggested_cell(html, "1") == (
        "1 3 of 100 dossiers late or overdue; 45 resolved early. "
        "Imported from bieu06-q2-2021.xlsx on 05/07/2021 14:30 by Lò Văn Thắng"
    )
    assert suggested_cell(html, "2") == "—"


def test_a_suggestion_from_figures_entered_by_hand_says_so(
    reviewer_client, period, card, submitted
):
    stats(card.unit, **ONLINE)
    refreshed(period)

    html = reviewer_client.get(url(submitted)).content.decode()

    assert suggested_cell(html, "9").endswith(
        "0 online dossiers overdue. Entered by hand or in the admin"
    )


def test_the_statistics_panel_names_its_file(reviewer_client, period, card, submitted):
    stats(card.unit, imported("bieu06.csv"), **ONLINE)

    html = reviewer_client.get(url(submitted)).content.decode()

    panel = re.search(r'<section class="panel stats">(.*?)</section>', html, re.S).group(1)
    assert text(panel).endswith("Imported from bieu06.csv on 05/07/2021 14:30")


def test_the_page_in_vietnamese_shows_the_figures_and_the_import_in_vietnamese(
    reviewer, period, card, submitted
):
    importer = UserFactory(first_name="Lò Văn", last_name="Thắng")
    stats(card.unit, imported("bieu06.xlsx", importer), **ONLINE)
    refreshed(period, "vi")
    client = client_for(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"

    cell = suggested_cell_vi(client.get(url(submitted)).content.decode(), "9")

    assert cell == (
        "2 20/100 TTHC trực tuyến (20,0%); 30/100 hồ sơ tiếp nhận trực tuyến (30,0%); "
        "0 hồ sơ trực tuyến quá hạn. "
        "Nhập từ tệp bieu06.xlsx ngày 05/07/2021 14:30, người nhập: Lò Văn Thắng"
    )


def suggested_cell_vi(html: str, code: str) -> str:
    cell = re.search(r'<td class="num" data-label="Gợi ý: ">(.*?)</td>', row(html, code), re.S)
    return text(cell.group(1))


def test_a_unit_without_dossiers_is_suggested_as_no_procedure_arising(
    reviewer_client, period, card, submitted
):
    stats(card.unit, imported("bieu06.csv"), procedures_total=40)
    refreshed(period)

    html = reviewer_client.get(url(submitted)).content.decode()

    panel = re.search(r'<section[^>]*id="no-tthc-suggestion">(.*?)</section>', html, re.S)
    assert text(panel.group(1)) == (
        "Suggested: no procedure arose The dossier statistics of this quarter show no dossier: "
        "none received, carried over, resolved or pending. The unit has not declared it. "
        "Imported from bieu06.csv on 05/07/2021 14:30"
    )
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row(html, "9")) == ["2", "—"]


def test_a_unit_with_dossiers_gets_no_such_suggestion(reviewer_client, period, card, submitted):
    stats(card.unit, received_offline=1, resolved_on_time=1)

    html = reviewer_client.get(url(submitted)).content.decode()

    assert 'id="no-tthc-suggestion"' not in html


def test_no_statistics_no_suggestion_either(reviewer_client, submitted):
    html = reviewer_client.get(url(submitted)).content.decode()

    assert 'id="no-tthc-suggestion"' not in html


def test_a_declaration_the_statistics_contradict_is_flagged(reviewer_client, card):
    stats(card.unit, received_online=3, received_offline=4, resolved_on_time=7)
    card = declare_no_tthc(card, True, "Không có hồ sơ")
    card = transition(card, Transition.SUBMIT)

    html = reviewer_client.get(url(card)).content.decode()

    flag = re.search(r'<p class="differs" id="no-tthc-contradicted">(.*?)</p>', html, re.S)
    assert flag.group(1) == "The dossier statistics show 7 dossiers this quarter."


def test_a_declaration_the_statistics_confirm_shows_the_suggestion_beside_it(reviewer_client, card):
    stats(card.unit)
    card = transition(declare_no_tthc(card, True, "Không có hồ sơ"), Transition.SUBMIT)

    html = reviewer_client.get(url(card)).content.decode()

    assert 'id="no-tthc-suggestion"' in html
    assert "The unit has not declared it." not in html
    assert 'id="no-tthc-contradicted"' not in html


# --- Queries ---------------------------------------------------------------------------------


def criteria_with_formulas(n: int) -> CriteriaSet:
    """``n`` criteria, each suggested by its own figure over a shared denominator."""
    criteria_set = CriteriaSetFactory()
    for i in range(n):
        CriterionFactory(
            criteria_set=criteria_set,
            max_points=Decimal(10),
            allowed_values=[],
            suggestion_rule={
                "formula": "ratio",
                "label": f"Chỉ số {i}",
                "numerator": [f"done_{i}"],
                "denominator": ["received"],
            },
        )
    BandFactory(criteria_set=criteria_set, lower_bound=0, order=1)
    return criteria_set


def review_queries(criteria: int, units: int) -> int:
    """The review page of a submitted scorecard whose every criterion is suggested from a
    figure of its own import, each import by another person."""
    d = district(n_communes=units, n_agencies=0)
    period = open_period(d.district, 2021, 2, criteria_with_formulas(criteria))
    card = period.scorecards.get(unit=d.communes[0])
    for unit in d.communes:
        stats(unit, imported("bieu06.csv", UserFactory()), received_offline=10)
        IndicatorFigure.objects.create(
            unit=unit, year=2021, quarter=2, name="received", value=100,
            import_batch=imported("a.csv", UserFactory()),
        )  # fmt: skip
        for i in range(criteria):
            IndicatorFigure.objects.create(
                unit=unit, year=2021, quarter=2, name=f"done_{i}", value=i * 7,
                import_batch=imported(f"{i}.csv", UserFactory()),
            )  # fmt: skip
    refreshed(period)
    card = transition(self_score(card, 1), Transition.SUBMIT)
    assert card.scores.filter(suggestion_batch__imported_by__isnull=False).count() == criteria
    client = client_for(MembershipFactory(unit=d.district, role=Role.REVIEWER).user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(card))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_review_page_runs_as_many_queries_with_12_suggestions_from_12_files_as_with_3():
    few = review_queries(criteria=3, units=3)
    many = review_queries(criteria=12, units=30)

    assert many == few
    assert few <= 25
