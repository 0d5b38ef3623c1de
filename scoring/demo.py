"""The Tuần Giáo demo: the real Q2/2021 report in ../shared/seed, rebuilt from data, the
quarter before it closed, and the next quarter in progress so that every role has work.

Điện Biên → Tuần Giáo → 13 agencies + 19 communes/township, the TT 01/2018 criteria set, the
period 2021-Q2 with every scorecard approved so that the results are the seed's (agencies:
09 xuất sắc, 04 không phát sinh TTHC; communes: 11 xuất sắc, 08 tốt; criterion 9 at 0 for
everyone), dossier statistics that make the seed's "Một số tồn tại" come out, and demo users
with e-mail addresses. Evidence files (small PDFs) back the criteria that require them.

2021-Q1 comes first, scored like Q2 but for ``Q1.changes`` (several units a
band lower than in Q2, one a band higher), so that trends and comparisons of two quarters show
something: every scorecard approved, criterion 9 again at 0, its own dossier statistics and
surveys, and its report approved, signed with the demo certificate and the period closed
(``_report_and_close``; with a real certificate configured the report is only approved and the
period stays open, since invented results are never signed with it).

2021-Q3 is opened with each unit's Q2 explanations carried over, and left in progress: some
units have not started, some have drafts, many have submitted, one was returned with a
comment, a few are approved (``Q3_PLAN``). Its deadlines are counted from the day the demo is
built (a few days ahead), so units can still submit whenever it is loaded.
Everything goes through the same domain functions the product uses.
"""

import datetime
import functools
import io
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from criteria.loader import load_criteria_file
from reports import domain as report_workflow
from scoring import domain, periods
from scoring.files import check_evidence_file
from scoring.models import DossierStats, EventKind, Period, ScorecardEvent, SurveySummary
from units.models import Membership, Role, Unit, UnitKind

DEMO_PASSWORD = "tthc-demo-2021"
CRITERIA_FILE = (
    Path(__file__).resolve().parent.parent / "criteria" / "sets" / "tt01-2018-dien-bien.yaml"
)
PROVINCE = ("dien-bien", "Tỉnh Điện Biên", "Điện Biên")
DISTRICT = ("tuan-giao", "Huyện Tuần Giáo", "Tuần Giáo")
YEAR, QUARTER = 2021, 2
BASIS = (
    "Văn bản số 291/NPUB-KSTT ngày 04/6/2021 của Văn phòng UBND tỉnh về việc chấm điểm "
    "đánh giá việc giải quyết thủ tục hành chính Quý II năm 2021"
)
SUBMITTED_ON = datetime.date(2021, 6, 24)


@dataclass
class DemoUnit:
    code: str
    name: str
    short_name: str
    kind: str
    # Criteria that got 1 point (all others 2, criterion 9 always 0); empty for no TTHC.
    ones: list[str] = field(default_factory=list)
    no_tthc: bool = False
    # Dossiers returned late + still pending past the deadline, in the provincial system.
    late: int = 0
    online: int | None = None
    # criterion → (self points claimed, reviewer's reason) where the appraisal lowered a score
    adjusted: dict[str, tuple[int, str]] = field(default_factory=dict)


A, C, T = UnitKind.AGENCY, UnitKind.COMMUNE, UnitKind.TOWNSHIP
LATE_REASON = "Còn hồ sơ trễ hẹn, quá hạn trên Cổng dịch vụ công của tỉnh"
ONLINE_REASON = "Còn hồ sơ trực tuyến quá hạn; tỷ lệ hồ sơ trực tuyến dưới 15%"

AGENCIES = [
    DemoUnit(
        "tg-vp-hdnd-ubnd", "Văn phòng HĐND và UBND huyện", "Văn phòng HĐND và UBND", A, no_tthc=True
    ),
    DemoUnit("tg-noi-vu", "Phòng Nội vụ", "Phòng Nội vụ", A, ones=["3"]),
    DemoUnit("tg-tu-phap", "Phòng Tư pháp", "Phòng Tư pháp", A),
    DemoUnit(
        "tg-tai-chinh-ke-hoach",
        "Phòng Tài chính - Kế hoạch",
        "Phòng Tài chính - Kế hoạch",
        A,
        ones=["2"],
        adjusted={"9": (1, ONLINE_REASON)},
    ),
    DemoUnit(
        "tg-tai-nguyen-moi-truong",
        "Phòng Tài nguyên và Môi trường",
        "Phòng Tài nguyên và Môi trường",
        A,
        ones=["1"],
    ),
    DemoUnit(
        "tg-lao-dong-tbxh",
        "Phòng Lao động - Thương binh và Xã hội",
        "Phòng Lao động - Thương binh và Xã hội",
        A,
    ),
    DemoUnit("tg-van-hoa-thong-tin", "Phòng Văn hóa và Thông tin", "Phòng Văn hóa và Thông tin", A),
    DemoUnit(
        "tg-giao-duc-dao-tao",
        "Phòng Giáo dục và Đào tạo",
        "Phòng Giáo dục và Đào tạo",
        A,
        ones=["6"],
    ),
    DemoUnit("tg-y-te", "Phòng Y tế", "Phòng Y tế", A, no_tthc=True),
    DemoUnit("tg-thanh-tra", "Thanh tra huyện", "Thanh tra huyện", A, no_tthc=True),
    DemoUnit(
        "tg-kinh-te-ha-tang", "Phòng Kinh tế và Hạ tầng", "Phòng Kinh tế và Hạ tầng", A, ones=["4"]
    ),
    DemoUnit(
        "tg-nong-nghiep-ptnt",
        "Phòng Nông nghiệp và Phát triển nông thôn",
        "Phòng Nông nghiệp và Phát triển nông thôn",
        A,
    ),
    DemoUnit("tg-dan-toc", "Phòng Dân tộc", "Phòng Dân tộc", A, no_tthc=True),
]

COMMUNES = [
    DemoUnit("tg-tt-tuan-giao", "Thị trấn Tuần Giáo", "Thị trấn Tuần Giáo", T),
    DemoUnit("tg-chieng-dong", "Xã Chiềng Đông", "Chiềng Đông", C, ones=["3"]),
    DemoUnit("tg-chieng-sinh", "Xã Chiềng Sinh", "Chiềng Sinh", C, ones=["1", "2", "6"], late=5),
    DemoUnit("tg-mun-chung", "Xã Mùn Chung", "Mùn Chung", C),
    DemoUnit("tg-muong-khong", "Xã Mường Khong", "Mường Khong", C, ones=["1", "2", "3"], late=7),
    DemoUnit("tg-muong-mun", "Xã Mường Mùn", "Mường Mùn", C, ones=["6"], online=0),
    DemoUnit("tg-muong-thin", "Xã Mường Thín", "Mường Thín", C, ones=["7"]),
    DemoUnit("tg-na-say", "Xã Nà Sáy", "Nà Sáy", C),
    DemoUnit(
        "tg-na-tong",
        "Xã Nà Tòng",
        "Nà Tòng",
        C,
        ones=["1", "2", "3", "7"],
        late=11,
        adjusted={"1": (2, LATE_REASON)},
    ),
    DemoUnit("tg-phinh-sang", "Xã Phình Sáng", "Phình Sáng", C, ones=["4"]),
    DemoUnit("tg-pu-nhung", "Xã Pú Nhung", "Pú Nhung", C, ones=["1", "8"], late=1),
    DemoUnit("tg-pu-xi", "Xã Pú Xi", "Pú Xi", C),
    DemoUnit("tg-quai-cang", "Xã Quài Cang", "Quài Cang", C, ones=["2"]),
    DemoUnit("tg-quai-nua", "Xã Quài Nưa", "Quài Nưa", C, ones=["1", "2"], late=2),
    DemoUnit(
        "tg-quai-to",
        "Xã Quài Tở",
        "Quài Tở",
        C,
        ones=["1", "2", "7"],
        late=6,
        adjusted={"1": (2, LATE_REASON)},
    ),
    DemoUnit("tg-rang-dong", "Xã Rạng Đông", "Rạng Đông", C, ones=["1", "3"], late=4),
    DemoUnit("tg-ta-ma", "Xã Ta Ma", "Ta Ma", C, ones=["8"]),
    DemoUnit("tg-tenh-phong", "Xã Tênh Phông", "Tênh Phông", C),
    DemoUnit(
        "tg-toa-tinh",
        "Xã Tỏa Tình",
        "Tỏa Tình",
        C,
        ones=["1", "2", "4", "8"],
        late=9,
        adjusted={"1": (2, LATE_REASON)},
    ),
]


@dataclass
class DemoQuarter:
    """One replayed quarter: its document, deadlines, the days things happened, how its units
    were scored, and its report (number, date) when it was issued and the quarter closed."""

    quarter: int
    basis: str
    self_deadline: datetime.date
    review_deadline: datetime.date
    opened_on: datetime.date
    submitted_on: datetime.date
    approved_on: datetime.date
    words: str  # the quarter as the evidence files name it
    # unit code → what differs from its Q2 ``DemoUnit`` (points, late dossiers, appraisal)
    changes: dict[str, dict] = field(default_factory=dict)
    shift: int = 0  # varies the dossier statistics from one quarter to the next
    report: tuple[str, datetime.date] | None = None

    def specs(self) -> list[DemoUnit]:
        return [replace(spec, **self.changes.get(spec.code, {})) for spec in demo_units()]


FEEDBACK_REASON = "Còn phản ánh, kiến nghị chưa được trả lời đúng hạn"

Q2 = DemoQuarter(
    QUARTER,
    BASIS,
    self_deadline=datetime.date(2021, 6, 25),
    review_deadline=datetime.date(2021, 7, 2),
    opened_on=datetime.date(2021, 6, 1),
    submitted_on=SUBMITTED_ON,
    approved_on=datetime.date(2021, 7, 2),
    words="Quý II năm 2021",
)

# The quarter before the seed's: a band lower than in Q2 for Phòng Tài chính - Kế hoạch (tốt),
# Chiềng Đông, Mường Mùn, Quài Cang (tốt) and Chiềng Sinh, Nà Tòng, Tỏa Tình (khá); a band
# higher for Pú Nhung (xuất sắc, before its late dossier of Q2). Units not listed were scored
# as in Q2.
Q1 = DemoQuarter(
    1,
    "Văn bản số 112/NPUB-KSTT ngày 01/4/2021 của Văn phòng UBND tỉnh về việc chấm điểm "
    "đánh giá việc giải quyết thủ tục hành chính Quý I năm 2021",
    self_deadline=datetime.date(2021, 4, 12),
    review_deadline=datetime.date(2021, 4, 20),
    opened_on=datetime.date(2021, 4, 2),
    submitted_on=datetime.date(2021, 4, 9),
    approved_on=datetime.date(2021, 4, 20),
    words="Quý I năm 2021",
    changes={
        "tg-tai-chinh-ke-hoach": {"ones": ["1", "2", "7"]},
        "tg-lao-dong-tbxh": {"ones": ["2"]},
        "tg-giao-duc-dao-tao": {"ones": []},
        "tg-chieng-dong": {"ones": ["3", "7"]},
        "tg-chieng-sinh": {
            "ones": ["1", "2", "3", "6", "8"],
            "late": 8,
            "online": 0,
            "adjusted": {"8": (2, FEEDBACK_REASON)},
        },
        "tg-mun-chung": {"ones": ["6"]},
        "tg-muong-khong": {"ones": ["1", "2", "3", "7"], "late": 6},
        "tg-muong-mun": {"ones": ["4", "6"]},
        "tg-na-tong": {"ones": ["1", "2", "3", "5", "7"], "late": 10},
        "tg-pu-nhung": {"ones": ["8"], "late": 0},
        "tg-quai-cang": {"ones": ["2", "3"]},
        "tg-quai-to": {"ones": ["1", "2", "3", "7"], "late": 5},
        "tg-rang-dong": {"ones": ["1", "3", "4"], "late": 3},
        "tg-toa-tinh": {"ones": ["1", "2", "4", "7", "8"], "late": 13},
    },
    shift=13,
    report=("08", datetime.date(2021, 4, 23)),
)

STAFF = [
    # username, full name, role, unit code
    ("thamdinh", "Lò Thị Hoa", Role.REVIEWER, DISTRICT[0]),
    ("lanhdao", "Vũ Văn Đức", Role.LEADER, DISTRICT[0]),
    # The province's view of its districts (dashboards' roll-up), read only.
    ("tinh", "Mùa A Sơn", Role.LEADER, PROVINCE[0]),
]

NOTES = {
    "1": "Giải quyết {early} hồ sơ trước hạn, {on_time} hồ sơ đúng hạn trên tổng số {resolved}.",
    "2": "Các bộ phận phối hợp giải quyết đúng quy trình nội bộ đã công bố.",
    "3": "Hồ sơ được hướng dẫn một lần, đầy đủ theo phiếu hướng dẫn.",
    "4": "Tổ chức, cá nhân chỉ liên hệ với Bộ phận Một cửa.",
    "5": "100% hồ sơ tiếp nhận và trả kết quả tại Bộ phận Một cửa ({received} hồ sơ).",
    "6": "Niêm yết công khai TTHC tại trụ sở và trên Cổng thông tin điện tử.",
    "7": "Khảo sát {forms} phiếu, {satisfied} phiếu hài lòng; không có phản ánh.",
    "8": "Không có phản ánh, kiến nghị trong quý.",
    "9": "Tiếp nhận {online} hồ sơ trực tuyến trên Cổng dịch vụ công của tỉnh.",
}


def demo_units() -> list[DemoUnit]:
    return AGENCIES + COMMUNES


def build_stats(index: int, spec: DemoUnit) -> dict:
    """Plausible Biểu 06 figures, varied by unit, consistent (received = resolved + pending)."""
    if spec.no_tthc:
        return {}
    offline = 38 + (index * 23) % 140
    online = spec.online if spec.online is not None else 2 + (index * 5) % 9
    carried = (index * 3) % 7
    pending_overdue = spec.late // 3
    resolved_overdue = spec.late - pending_overdue
    pending_on_time = 1 + index % 6
    resolved = offline + online + carried - pending_on_time - pending_overdue
    early = resolved * 3 // 5
    return {
        "received_online": online,
        "received_offline": offline,
        "carried_over": carried,
        "resolved_early": early,
        "resolved_on_time": resolved - early - resolved_overdue,
        "resolved_overdue": resolved_overdue,
        "pending_on_time": pending_on_time,
        "pending_overdue": pending_overdue,
        "online_overdue": 1 if online and index % 3 == 0 else 0,
        "procedures_total": 120 + index % 40 if spec.kind != A else 35 + index % 30,
        "procedures_online": 9 + index % 8,
    }


@dataclass
class DemoResult:
    created: bool
    users: list[tuple[str, str, str]]  # username, full name, what they do


def build_demo(today: datetime.date | None = None) -> DemoResult:
    """Build the demo; running it again adds nothing.

    The users get their e-mail addresses only after the quarters are built (and committed),
    so replaying the demo's history mails nobody; from then on the console backend shows what
    every step sends.
    """
    result = _build(today or timezone.localdate())
    for username, _name, _what in result.users:
        get_user_model().objects.filter(username=username, email="").update(
            email=f"{username}@{EMAIL_DOMAIN}"
        )
    return result


@transaction.atomic
def _build(today: datetime.date) -> DemoResult:
    criteria_set = load_criteria_file(CRITERIA_FILE).criteria_set
    province = _unit(PROVINCE, UnitKind.PROVINCE, None, 0)
    district = _unit(DISTRICT, UnitKind.DISTRICT, province, 0)
    units = {
        spec.code: _unit((spec.code, spec.name, spec.short_name), spec.kind, district, i)
        for i, spec in enumerate(demo_units(), start=1)
    }
    users = _users(units)
    created = False
    for replayed in (Q1, Q2):
        if Period.objects.filter(organizer=district, year=YEAR, quarter=replayed.quarter).exists():
            continue
        _stats(units, replayed.quarter, shift=replayed.shift, specs=replayed.specs())
        period = _score(district, criteria_set, units, replayed)
        _backdate(period, replayed)
        if replayed.report:
            _report_and_close(period, *replayed.report)
        created = True
    if not Period.objects.filter(organizer=district, year=YEAR, quarter=QUARTER + 1).exists():
        _stats(units, QUARTER + 1, shift=7)
        _score_next(district, criteria_set, units, today)
        created = True
    return DemoResult(created=created, users=users)


def _unit(ident: tuple[str, str, str], kind: str, parent: Unit | None, order: int) -> Unit:
    code, name, short_name = ident
    unit, _ = Unit.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short_name,
            "kind": kind,
            "parent": parent,
            "order": order,
        },
    )
    return unit


@functools.cache
def _demo_password_hash() -> str:
    # Hashing is deliberately slow; the demo's users share one password, so hash it once.
    return make_password(DEMO_PASSWORD)


def _user(username: str, full_name: str, **extra):
    # Vietnamese names read family name first; keep the whole name in one field.
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": full_name, "password": _demo_password_hash(), **extra},
    )
    return user


def _users(units: dict[str, Unit]) -> list[tuple[str, str, str]]:
    listing = []
    admin = _user("admin", "Quản trị hệ thống", is_staff=True, is_superuser=True)
    listing.append((admin.username, "Quản trị hệ thống", "quản trị (admin)"))
    for username, full_name, role, unit_code in STAFF:
        unit = Unit.objects.get(code=unit_code)
        user = _user(username, full_name)
        Membership.objects.get_or_create(user=user, unit=unit, role=role)
        listing.append((username, full_name, f"{Role(role).label} — {unit.name}"))
    for code, unit in units.items():
        user = _user(code, f"Cán bộ {unit.short_name}")
        Membership.objects.get_or_create(user=user, unit=unit, role=Role.UNIT_STAFF)
        listing.append((code, user.get_full_name(), f"{Role.UNIT_STAFF.label} — {unit.name}"))
    return listing


def _stats(
    units: dict[str, Unit],
    quarter: int = QUARTER,
    shift: int = 0,
    specs: list[DemoUnit] | None = None,
) -> None:
    for index, spec in enumerate(specs or demo_units(), start=1):
        unit = units[spec.code]
        figures = build_stats(index + shift, spec)
        DossierStats.objects.update_or_create(
            unit=unit, year=YEAR, quarter=quarter, defaults=figures
        )
        if figures:
            forms = 10 + (index + shift) % 17
            SurveySummary.objects.update_or_create(
                unit=unit,
                year=YEAR,
                quarter=quarter,
                defaults={
                    "forms": forms,
                    "satisfied": forms - index % 3,
                    "neutral": index % 3,
                    "averages": {"7": str(Decimal(2) - Decimal(index % 3) / 10)},
                },
            )


def _score(district: Unit, criteria_set, units: dict[str, Unit], replayed: DemoQuarter) -> Period:
    """Open the quarter, self-score and submit every card, appraise and approve it."""
    period = periods.open_period(
        district,
        YEAR,
        replayed.quarter,
        criteria_set,
        self_deadline=replayed.self_deadline,
        review_deadline=replayed.review_deadline,
        basis_document=replayed.basis,
    )
    reviewer = get_user_model().objects.get(username="thamdinh")
    criteria = {c.code: c for c in criteria_set.scored_criteria()}
    quarter = {"year": YEAR, "quarter": replayed.quarter}
    stats = {s.unit_id: s for s in DossierStats.objects.filter(**quarter)}
    surveys = {s.unit_id: s for s in SurveySummary.objects.filter(**quarter)}
    for spec in replayed.specs():
        card = period.scorecards.get(unit=units[spec.code])
        staff = get_user_model().objects.get(username=spec.code)
        if spec.no_tthc:
            card = domain.declare_no_tthc(
                card, True, "Trong quý không phát sinh hồ sơ TTHC.", actor=staff
            )
        else:
            facts = _facts(stats[card.unit_id], surveys[card.unit_id])
            entries = {
                criteria[code].id: domain.Entry(
                    Decimal(spec.adjusted.get(code, (_points(spec, code),))[0]),
                    NOTES[code].format(**facts),
                )
                for code in criteria
            }
            card = domain.record_self_scores(card, entries, actor=staff)
            _attach_evidence(card, staff, replayed.words)
        card = domain.transition(
            card, domain.Transition.SUBMIT, actor=staff, today=replayed.submitted_on
        )
        if spec.adjusted:
            review = {
                criteria[code].id: domain.Entry(Decimal(_points(spec, code)), reason)
                for code, (_claimed, reason) in spec.adjusted.items()
            }
            card = domain.record_review(card, review, actor=reviewer)
        domain.transition(card, domain.Transition.APPROVE, actor=reviewer)
    return period


def _backdate(period: Period, replayed: DemoQuarter) -> None:
    """Put the demo's timestamps in the quarter it replays, instead of today.

    The workflow stamps the real time; the demo's quarters are in 2021, so their history is
    moved to plausible 2021 dates (Q2: opened 01/6, self-scoring by 24/6, appraisal by 02/7).
    """
    tz = timezone.get_default_timezone()

    def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)

    opened = at(replayed.opened_on, 8)
    submitted = at(replayed.submitted_on, 9, 30)
    approved = at(replayed.approved_on, 15)
    period.scorecards.update(submitted_at=submitted, approved_at=approved)
    events = ScorecardEvent.objects.filter(scorecard__period=period)
    events.filter(kind=EventKind.OPENED).update(created_at=opened)
    events.filter(kind__in=[EventKind.SELF_SCORED, EventKind.NO_TTHC]).update(
        created_at=submitted - datetime.timedelta(hours=1)
    )
    events.filter(kind=EventKind.SUBMITTED).update(created_at=submitted)
    events.filter(kind=EventKind.REVIEWED).update(created_at=approved - datetime.timedelta(hours=2))
    events.filter(kind=EventKind.APPROVED).update(created_at=approved)
    Period.objects.filter(pk=period.pk).update(created_at=opened)


def _report_and_close(period: Period, number: str, issue_date: datetime.date) -> None:
    """Issue the quarter's report as the leader would (numbered, dated, approved, signed) and
    close the quarter as the reviewer would, through the same functions as the product.

    The report is signed with the demo certificate (``SIGNING_DEMO``); when a real certificate
    is configured instead, the report is only approved and the quarter stays open: invented
    results are never signed with a real certificate. The report's and the closing's own
    timestamps are left as they happen: the signature in the PDF carries its real time.
    """
    users = get_user_model().objects
    leader, reviewer = users.get(username="lanhdao"), users.get(username="thamdinh")
    report = report_workflow.report_for(period)
    report = report_workflow.edit(
        report, {"number": number, "issue_date": issue_date}, actor=leader
    )
    report = report_workflow.approve(report, actor=leader, inline=True)
    if not settings.SIGNING_DEMO:
        return
    report_workflow.sign(report, actor=leader)
    periods.close_period(period, actor=reviewer)


def _points(spec: DemoUnit, code: str) -> int:
    if code == "9":
        return 0
    return 1 if code in spec.ones else 2


def _facts(stats: DossierStats, survey: SurveySummary) -> dict:
    return {
        "early": stats.resolved_early,
        "on_time": stats.resolved_on_time,
        "resolved": stats.resolved_early + stats.resolved_on_time + stats.resolved_overdue,
        "received": stats.received_total,
        "online": stats.received_online,
        "forms": survey.forms,
        "satisfied": survey.satisfied,
    }


# ---------------------------------------------------------------------------------------------
# Evidence files


EVIDENCE_TITLES = {
    "5": "Sổ theo dõi tiếp nhận và trả kết quả hồ sơ TTHC",
    "6": "Biên bản kiểm tra niêm yết công khai TTHC",
    "8": "Báo cáo tiếp nhận, xử lý phản ánh, kiến nghị",
}
FONT = Path(__file__).resolve().parent.parent / "reports" / "fonts" / "NotoSerif-Regular.ttf"


def demo_pdf(lines: list[str]) -> bytes:
    """A one-page A5 PDF showing ``lines`` (Vietnamese text, drawn with the shipped font)."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (874, 620), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), 26)
    for row, line in enumerate(lines):
        draw.text((60, 70 + row * 52), line, fill="black", font=font)
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=100)
    return buffer.getvalue()


def _attach_evidence(card, staff, quarter_words: str) -> None:
    """One PDF for every criterion of the card that requires evidence."""
    for score in card.scores.select_related("criterion").filter(criterion__evidence_required=True):
        code = score.criterion.code
        title = EVIDENCE_TITLES.get(code, f"Minh chứng tiêu chí {code}")
        content = demo_pdf(
            [title, card.unit.name, quarter_words, "(Tài liệu minh hoạ của bản demo)"]
        )
        upload = SimpleUploadedFile(f"minh-chung-tieu-chi-{code}.pdf", content, "application/pdf")
        domain.add_evidence(score, upload, check_evidence_file(upload), actor=staff)


# ---------------------------------------------------------------------------------------------
# The next quarter, in progress

EMAIL_DOMAIN = "tuangiao.example"
NEXT_BASIS = (
    "Văn bản số 415/NPUB-KSTT ngày 03/9/2021 của Văn phòng UBND tỉnh về việc chấm điểm "
    "đánh giá việc giải quyết thủ tục hành chính Quý III năm 2021"
)
RETURN_COMMENT = "Đề nghị bổ sung minh chứng tiêu chí 6 và rà soát lại số hồ sơ trễ hẹn."

# unit → where its 2021-Q3 scorecard stands: "untouched" (only the carried-over explanations),
# "draft" (some criteria scored), "submitted", "returned" (with RETURN_COMMENT), "approved".
Q3_PLAN = {
    "tg-vp-hdnd-ubnd": "submitted",
    "tg-noi-vu": "approved",
    "tg-tu-phap": "approved",
    "tg-tai-chinh-ke-hoach": "submitted",
    "tg-tai-nguyen-moi-truong": "submitted",
    "tg-lao-dong-tbxh": "draft",
    "tg-van-hoa-thong-tin": "untouched",
    "tg-giao-duc-dao-tao": "submitted",
    "tg-y-te": "approved",
    "tg-thanh-tra": "untouched",
    "tg-kinh-te-ha-tang": "draft",
    "tg-nong-nghiep-ptnt": "submitted",
    "tg-dan-toc": "untouched",
    "tg-tt-tuan-giao": "approved",
    "tg-chieng-dong": "submitted",
    "tg-chieng-sinh": "draft",
    "tg-mun-chung": "submitted",
    "tg-muong-khong": "returned",
    "tg-muong-mun": "untouched",
    "tg-muong-thin": "submitted",
    "tg-na-say": "approved",
    "tg-na-tong": "draft",
    "tg-phinh-sang": "submitted",
    "tg-pu-nhung": "untouched",
    "tg-pu-xi": "submitted",
    "tg-quai-cang": "untouched",
    "tg-quai-nua": "draft",
    "tg-quai-to": "submitted",
    "tg-rang-dong": "untouched",
    "tg-ta-ma": "approved",
    "tg-tenh-phong": "draft",
    "tg-toa-tinh": "submitted",
}


def _score_next(district: Unit, criteria_set, units: dict[str, Unit], today: datetime.date):
    reviewer = get_user_model().objects.get(username="thamdinh")
    period = periods.open_period(
        district,
        YEAR,
        QUARTER + 1,
        criteria_set,
        self_deadline=today + datetime.timedelta(days=4),
        review_deadline=today + datetime.timedelta(days=11),
        basis_document=NEXT_BASIS,
        carry_over=True,
        actor=reviewer,
    )
    criteria = {c.code: c for c in criteria_set.scored_criteria()}
    for index, spec in enumerate(demo_units()):
        state = Q3_PLAN[spec.code]
        if state == "untouched":
            continue
        card = period.scorecards.get(unit=units[spec.code])
        staff = get_user_model().objects.get(username=spec.code)
        codes = list(criteria) if state != "draft" else list(criteria)[: 3 + index % 5]
        if spec.no_tthc:
            card = domain.declare_no_tthc(
                card, True, "Trong quý không phát sinh hồ sơ TTHC.", actor=staff
            )
        else:
            entries = {
                criteria[code].id: domain.Entry(
                    Decimal(_next_points(spec, code, index)),
                    card.scores.get(criterion__code=code).self_note
                    or "Theo sổ theo dõi hồ sơ của đơn vị.",
                )
                for code in codes
            }
            card = domain.record_self_scores(card, entries, actor=staff)
            if state != "draft":
                _attach_evidence(card, staff, "Quý III năm 2021")
        if state == "draft":
            continue
        card = domain.transition(card, domain.Transition.SUBMIT, actor=staff, today=today)
        if state == "returned":
            domain.transition(card, domain.Transition.RETURN, actor=reviewer, note=RETURN_COMMENT)
        elif state == "approved":
            domain.transition(card, domain.Transition.APPROVE, actor=reviewer)


def _next_points(spec: DemoUnit, code: str, index: int) -> int:
    """Q3's points: Q2's, with criterion 7 a point lower for every third unit."""
    if code == "7" and index % 3 == 0:
        return 1
    return _points(spec, code)
