"""Test factories, two builders (the shipped criteria set, a small district) and score helpers."""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import factory
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from criteria.loader import load_criteria_file
from criteria.models import Band, CriteriaSet, CriteriaSetStatus, Criterion
from scoring.domain import Entry, add_evidence, record_self_scores
from scoring.files import check_evidence_file
from scoring.models import Scorecard
from units.models import Membership, Role, Unit, UnitKind

TT01_FILE = Path(settings.BASE_DIR) / "criteria" / "sets" / "tt01-2018-dien-bien.yaml"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("correct horse battery staple")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    short_name = factory.Sequence(lambda n: f"Unit {n}")
    name = factory.LazyAttribute(lambda u: f"Xã {u.short_name}")
    kind = UnitKind.COMMUNE
    order = factory.Sequence(lambda n: n)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.UNIT_STAFF


class CriteriaSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriteriaSet

    code = factory.Sequence(lambda n: f"SET-{n}")
    version = 1
    name = factory.LazyAttribute(lambda s: f"Criteria set {s.code}")
    status = CriteriaSetStatus.PUBLISHED


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    criteria_set = factory.SubFactory(CriteriaSetFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    order = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda c: f"Criterion {c.code}")
    max_points = Decimal(2)
    allowed_values = ["0", "1", "2"]


class BandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Band

    criteria_set = factory.SubFactory(CriteriaSetFactory)
    label = factory.Sequence(lambda n: f"Band {n}")
    lower_bound = Decimal(0)
    order = factory.Sequence(lambda n: n + 1)


def tt01_set() -> CriteriaSet:
    """The shipped TT 01/2018 set (9 criteria × 2 points, five bands), loaded from its file."""
    return load_criteria_file(TT01_FILE).criteria_set


@dataclass
class District:
    province: Unit
    district: Unit
    communes: list[Unit] = field(default_factory=list)
    agencies: list[Unit] = field(default_factory=list)

    @property
    def scored(self) -> list[Unit]:
        return [*self.agencies, *self.communes]


def district(n_communes: int = 3, n_agencies: int = 2, province: Unit | None = None) -> District:
    """Province → district → ``n_agencies`` agencies and ``n_communes`` communes."""
    province = province or UnitFactory(kind=UnitKind.PROVINCE, name="Tỉnh Điện Biên")
    top = UnitFactory(kind=UnitKind.DISTRICT, parent=province, name="Huyện Tuần Giáo")
    return District(
        province=province,
        district=top,
        agencies=UnitFactory.create_batch(n_agencies, kind=UnitKind.AGENCY, parent=top),
        communes=UnitFactory.create_batch(n_communes, kind=UnitKind.COMMUNE, parent=top),
    )


def criterion_ids(card: Scorecard) -> dict[str, int]:
    """Criterion code → criterion id, for the entries the scoring functions take."""
    return dict(card.scores.values_list("criterion__code", "criterion_id"))


def self_score(
    card: Scorecard, points, note: str = "Theo sổ theo dõi hồ sơ", *, evidence: bool = True
) -> Scorecard:
    """Enter self points with an explanation on every criterion, through the domain, and
    (unless ``evidence`` is false) a PDF on each criterion that requires evidence.

    ``points`` is one value for all criteria or a list with one value (or None) per criterion,
    in order.
    """
    ids = list(card.scores.order_by("criterion__order").values_list("criterion_id", flat=True))
    values = points if isinstance(points, list) else [points] * len(ids)
    entries = {
        cid: Entry(None if v is None else Decimal(str(v)), note)
        for cid, v in zip(ids, values, strict=True)
    }
    card = record_self_scores(card, entries)
    if evidence:
        attach_required_evidence(card)
        card.refresh_from_db()
    return card


# The smallest file the evidence check accepts as a PDF.
EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def attach_required_evidence(card: Scorecard) -> None:
    """A PDF on every criterion that requires evidence and has none yet, so the card can be
    submitted."""
    required = card.scores.filter(criterion__evidence_required=True, evidence__isnull=True)
    for score in required.select_related("criterion"):
        upload = SimpleUploadedFile(
            f"minh-chung-{score.criterion.code}.pdf", EVIDENCE_PDF, content_type="application/pdf"
        )
        add_evidence(score, upload, check_evidence_file(upload))
