"""Fixtures and helpers for the report tests.

Rendering is the slow part (WeasyPrint ~1 s a document, the Tuần Giáo demo ~2-5 s to build),
so the demo's documents are produced once per session (``demo_documents``) inside a
transaction that is rolled back, and the tests read the bytes. Everything else uses a small
factory district scored through ``scoring.domain``.
"""

import datetime
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection, transaction
from django.test import override_settings

from reports import documents, domain, signing
from reports.models import Report
from scoring.demo import build_demo
from scoring.domain import Transition, declare_no_tthc, transition
from scoring.models import Period, Scorecard
from tests.factories import self_score

NO_TTHC = "no_tthc"
ISSUE_DATE = datetime.date(2021, 7, 5)
# The report's signer, as the demo certificate names him (less its "no legal value" label).
SIGNER = "Vũ Văn Đức"
# Someone else, certified by the same demo CA.
OTHER_SIGNER = "Trần Thị Bình"
WITHDRAW_REASON = "Xã 1 cần thẩm định lại chỉ số 1"


def pytest_collection_modifyitems(items):
    # pytest-django creates the test database only when a collected test asks for it; a test
    # that only reads the session's demo documents must ask too, or the session fixture below
    # would run against the development database.
    for item in items:
        if "demo_documents" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.django_db)


# ---------------------------------------------------------------------------------------------
# Reading PDFs back with poppler


def normalise(text: str) -> str:
    """One space between words: line breaks in the PDF fall wherever the layout put them."""
    return " ".join(text.split())


def poppler(tool: str, content: bytes, *options: str, after: tuple[str, ...] = ()) -> str:
    """Run a poppler tool on the PDF bytes: ``tool [options] file.pdf [after]``."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        result = subprocess.run(
            [tool, *options, handle.name, *after], capture_output=True, text=True, check=False
        )
    return result.stdout


def pdf_text(
    content: bytes, *, first: int | None = None, last: int | None = None, raw: bool = False
) -> str:
    """The text pdftotext reads, of the given pages (1-based, inclusive).

    Reading order by default; ``raw`` keeps content-stream order, which keeps a table row on
    one line and the rotated "DỰ THẢO" mark in one piece.
    """
    options = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return poppler("pdftotext", content, *options, *(["-raw"] if raw else []), after=("-",))


def page_sizes(content: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page, from ``pdfinfo -f 1 -l N``."""
    info = poppler("pdfinfo", content)
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])
    per_page = poppler("pdfinfo", content, "-f", "1", "-l", str(count))
    return [
        (float(w), float(h))
        for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", per_page, re.M)
    ]


def signature_validation(content: bytes) -> str:
    """What pdfsig says about the (first) signature: "Signature is Valid." when it holds."""
    found = re.search(r"Signature Validation: (.*)", poppler("pdfsig", content))
    return found[1].strip() if found else ""


# ---------------------------------------------------------------------------------------------
# Certificates: one demo CA (trusted in the tests) and another one (never trusted)


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory) -> Path:
    """The demo certificate, as ``ensure_demo_certificate`` lays it out, and beside it
    ``other-signer.p12``: someone else's, certified by the same demo CA."""
    folder = tmp_path_factory.mktemp("signing")
    ca_key, ca_cert = signing.demo_ca()
    for filename, name in [
        ("demo-signer.p12", signing.DEMO_SIGNER),
        ("other-signer.p12", OTHER_SIGNER),
    ]:
        p12 = signing.demo_signer(
            ca_key, ca_cert, common_name=name, organisation=signing.DEMO_ORGANISATION
        )
        (folder / filename).write_bytes(p12)
    (folder / "demo-ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return folder


@pytest.fixture(scope="session")
def untrusted_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("untrusted-signing")
    signing.ensure_demo_certificate(folder)
    return folder


@pytest.fixture
def demo_signing(settings, signing_dir) -> Path:
    """Demo signing mode with the session's demo CA as the only trust root."""
    settings.SIGNING_DEMO = True
    settings.SIGNING_DIR = signing_dir
    settings.SIGNING_TRUST_ROOTS = []
    settings.SIGNING_PKCS12_PATH = ""
    settings.SIGNING_PKCS12_PASSWORD = ""
    return signing_dir


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


# ---------------------------------------------------------------------------------------------
# Scoring a period through the domain


def score_period(period: Period, plan: dict | None = None, *, approve: bool = True) -> Period:
    """Self-score, submit and (by default) approve every scorecard of the period.

    ``plan`` maps a unit to its points (one value for all criteria, or a list of nine) or to
    ``NO_TTHC``; units not in it get 2 on every criterion.
    """
    plan = plan or {}
    for card in period.scorecards.select_related("unit").order_by("unit__order"):
        points = plan.get(card.unit, 2)
        if points == NO_TTHC:
            card = declare_no_tthc(card, True, "Trong quý không phát sinh hồ sơ TTHC.")
        else:
            card = self_score(card, points)
        card = transition(card, Transition.SUBMIT)
        if approve:
            transition(card, Transition.APPROVE)
    return period


def reopen(card: Scorecard) -> Scorecard:
    return transition(card, Transition.REOPEN, note="Cần thẩm định lại chỉ số 1")


def numbered(report: Report, number: str = "15", day: datetime.date = ISSUE_DATE) -> Report:
    return domain.edit(report, {"number": number, "issue_date": day})


@pytest.fixture
def scored_period(period):
    """The small Tuần Giáo (2 agencies, 3 communes), every scorecard approved with 18 points."""
    return score_period(period)


@pytest.fixture
def approved_report(scored_period, demo_signing) -> Report:
    report = numbered(domain.report_for(scored_period))
    return domain.approve(domain.edit(report, {"signer_name": SIGNER}))


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


# ---------------------------------------------------------------------------------------------
# The Tuần Giáo 2021-Q2 demo, rendered once


@dataclass(frozen=True)
class DemoDocuments:
    draft: bytes
    approved: bytes
    approved_sha256: str
    signed: bytes
    signed_sha256: str
    certificate_subject: str
    status: str


@pytest.fixture(scope="session")
def demo_documents(django_db_setup, django_db_blocker, signing_dir, tmp_path_factory):
    """The demo's draft, approved (Số 15, 05/7/2021) and signed PDFs, built through the domain.

    The database work is rolled back: the bytes are all the tests need.
    """
    name = str(connection.settings_dict["NAME"])
    test_name = str(connection.settings_dict.get("TEST", {}).get("NAME"))
    if not ("memory" in name or Path(name).name.startswith("test_") or name == test_name):
        pytest.fail(f"refusing to build the demo in a non-test database: {name}")
    media = tmp_path_factory.mktemp("demo-media")
    overrides = override_settings(
        MEDIA_ROOT=media,
        SIGNING_DEMO=True,
        SIGNING_DIR=signing_dir,
        SIGNING_TRUST_ROOTS=[],
        REPORT_INLINE_UNITS=100,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), overrides, transaction.atomic():
        build_demo()
        period = Period.objects.get(organizer__code="tuan-giao", year=2021, quarter=2)
        report = numbered(domain.report_for(period))
        draft = documents.draft_pdf(report).pdf
        report = domain.approve(report)
        report = domain.sign(report)
        demo = DemoDocuments(
            draft=draft,
            approved=read(report.pdf),
            approved_sha256=report.pdf_sha256,
            signed=read(report.signed_pdf),
            signed_sha256=report.signed_sha256,
            certificate_subject=report.certificate_subject,
            status=report.status,
        )
        transaction.set_rollback(True)
    return demo


# ---------------------------------------------------------------------------------------------
# "Nothing changed": the report's workflow fields and the files in storage


def report_state(report: Report) -> dict:
    fresh = Report.objects.get(pk=report.pk)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "snapshot": fresh.snapshot,
        "approved_at": fresh.approved_at,
        "pdf": fresh.pdf.name,
        "pdf_sha256": fresh.pdf_sha256,
        "signed_pdf": fresh.signed_pdf.name,
        "signed_sha256": fresh.signed_sha256,
        "certificate_subject": fresh.certificate_subject,
        "signed_at": fresh.signed_at,
        "signed_by": fresh.signed_by_id,
    }


def stored_files(media_root) -> dict[str, str]:
    """Every file under MEDIA_ROOT → its SHA-256."""
    root = Path(media_root)
    return {
        str(path.relative_to(root)): signing.sha256(path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def workflow_record(report: Report) -> dict:
    """The report's events and issued documents: what a refused action must leave as it was."""
    return {
        "events": list(report.events.order_by("id").values_list("kind", flat=True)),
        "documents": list(
            report.documents.order_by("id").values_list("kind", "sha256", "withdrawn_at")
        ),
    }


# ---------------------------------------------------------------------------------------------
# Reading pages with a parser


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Element:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)  # Elements and strings

    def text(self) -> str:
        return normalise(" ".join(c if isinstance(c, str) else c.text() for c in self.children))

    def find_all(self, tag: str) -> list["Element"]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                found += [child] if child.tag == tag else []
                found += child.find_all(tag)
        return found

    def by_id(self, element_id: str) -> "Element | None":
        for child in self.children:
            if isinstance(child, Element):
                if child.attrs.get("id") == element_id:
                    return child
                if (inner := child.by_id(element_id)) is not None:
                    return inner
        return None


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.root = Element("document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def texts(html: str, element_id: str, tag: str) -> list[str]:
    """The text of each ``tag`` inside the element with ``element_id`` (spaces normalised)."""
    container = parse(html).by_id(element_id)
    return [element.text() for element in container.find_all(tag)] if container else []
