"""Drafting: results data → the report's prose, in the words and order of the real report.

The report is an official Vietnamese document (Nghị định 30/2020/NĐ-CP), so its prose is
Vietnamese whatever language the interface speaks. Every sentence here is derived from the
snapshot (``reports.snapshot``); a statement appears only when the data call for it.
"""

from decimal import Decimal

from reports.snapshot import tallies
from scoring.results import GroupTally
from units.models import ReportGroup, UnitKind

ROMAN = ["I", "II", "III", "IV"]
ADMIN_WORD = {
    UnitKind.PROVINCE: "tỉnh",
    UnitKind.DISTRICT: "huyện",
    UnitKind.COMMUNE: "xã",
    UnitKind.WARD: "phường",
    UnitKind.TOWNSHIP: "thị trấn",
}
LOCAL_WORDS = [(UnitKind.COMMUNE, "xã"), (UnitKind.WARD, "phường"), (UnitKind.TOWNSHIP, "thị trấn")]
PORTAL = "Cổng dịch vụ công của tỉnh"


def pad(n: int) -> str:
    """Numbers below 10 take a leading zero in official documents ("09 đơn vị")."""
    return f"{n:02d}"


def quarter_words(snapshot: dict) -> str:
    period = snapshot["period"]
    return f"quý {ROMAN[period['quarter'] - 1]} năm {period['year']}"


def area(snapshot: dict) -> str:
    """ "huyện Tuần Giáo"."""
    org = snapshot["organizer"]
    return f"{ADMIN_WORD.get(org['kind'], '')} {org['short_name']}".strip()


def committee(snapshot: dict) -> str:
    """ "UBND huyện Tuần Giáo"."""
    return f"UBND {area(snapshot)}"


def local_words(kinds: set[str]) -> str:
    """ "xã, thị trấn" from the kinds of local units present."""
    words = [word for kind, word in LOCAL_WORDS if kind in kinds]
    return ", ".join(words) or "xã"


def _local_kinds(snapshot: dict) -> set[str]:
    return {
        unit["kind"]
        for group in snapshot["groups"]
        for unit in group["units"]
        if unit["kind"] in UnitKind.local()
    }


def units_phrase(snapshot: dict) -> str:
    """ "các cơ quan, đơn vị, UBND các xã, thị trấn" from the groups present."""
    parts = []
    groups = {g["group"] for g in snapshot["groups"]}
    if ReportGroup.AGENCIES in groups:
        parts.append("các cơ quan, đơn vị")
    if ReportGroup.LOCAL in groups:
        parts.append(f"UBND các {local_words(_local_kinds(snapshot))}")
    return ", ".join(parts)


def subject(snapshot: dict) -> str:
    q = quarter_words(snapshot)
    q = q[0].upper() + q[1:]
    return f"Kết quả chấm điểm đánh giá việc giải quyết TTHC {q} trên địa bàn {area(snapshot)}"


def basis(snapshot: dict) -> str:
    document = snapshot["period"]["basis_document"].strip().rstrip(".")
    return f"Thực hiện {document}." if document else ""


def aggregation(snapshot: dict) -> str:
    local = local_words(_local_kinds(snapshot))
    level = ADMIN_WORD.get(snapshot["organizer"]["kind"], "")
    return (
        "Trên cơ sở kết quả chấm điểm đánh giá đối với cán bộ công chức thực hiện tiếp nhận và "
        "trả kết quả hồ sơ giải quyết thủ tục hành chính; kết quả việc tự chấm điểm đánh giá "
        f"việc giải quyết thủ tục hành chính của các {local}; UBND {level} "
        "tổng hợp kết quả báo cáo tình hình, kết quả chấm điểm đánh giá việc giải quyết thủ "
        f"tục hành chính (TTHC) {quarter_words(snapshot)} của {units_phrase(snapshot)} trên địa "
        f"bàn {level} như sau:"
    )


def evaluation(snapshot: dict) -> str:
    local = local_words(_local_kinds(snapshot))
    return "\n".join(
        [
            "- Đối với cán bộ, công chức đang tiếp nhận, giải quyết và trả kết quả hồ sơ TTHC "
            f"tại Bộ phận Một cửa các {local}, tại các cơ quan, đơn vị cơ bản hoàn thành nhiệm "
            "vụ theo các tiêu chí đánh giá.",
            "- Kết quả đánh giá của tổ chức, cá nhân về giải quyết TTHC, qua khảo sát bằng phiếu "
            "về sự hài lòng của cá nhân, tổ chức, doanh nghiệp cho thấy trong "
            f"{quarter_words(snapshot)} hầu hết các cá nhân, tổ chức được khảo sát đều hài lòng "
            "với sự phục vụ của đội ngũ cán bộ công chức.",
        ]
    )


def legal_bases_text(bases: list[str]) -> str:
    if len(bases) <= 1:
        return "".join(bases)
    return f"{', '.join(bases[:-1])} và {bases[-1]}"


def group_line(tallied: GroupTally) -> str:
    """ "Các cơ quan, đơn vị: 09 đơn vị đạt xuất sắc, 04 đơn vị không phát sinh TTHC."."""
    parts = [
        f"{pad(b.count)} đơn vị "
        + (b.band.get("report_phrase") or f"xếp loại {b.band['label'].lower()}")
        for b in tallied.bands
        if b.count
    ]
    if tallied.no_tthc:
        parts.append(f"{pad(tallied.no_tthc)} đơn vị không phát sinh TTHC")
    if tallied.pending:  # only in a draft: a report is approved once every scorecard is
        parts.append(f"{pad(tallied.pending)} đơn vị chưa được phê duyệt kết quả")
    return f"{tallied.label}: {', '.join(parts)}."


def specific(snapshot: dict) -> str:
    bases = legal_bases_text(snapshot["criteria_set"]["legal_bases"])
    intro = (
        f"Trên cơ sở tự chấm điểm của {units_phrase(snapshot)}, {committee(snapshot)} thẩm "
        "định và tổng hợp đánh giá giải quyết TTHC trên cơ sở các chỉ số theo quy định tại "
        f"{bases} kết quả chấm điểm như sau:"
    )
    lines = [intro, *(group_line(t) for t in tallies(snapshot))]
    lines.append("(Có biểu chấm điểm, đánh giá việc giải quyết TTHC kèm theo)")
    return "\n".join(lines)


def zero_criteria(snapshot: dict) -> list[dict]:
    """Criteria on which no scored unit got any points."""
    scored = [u for g in snapshot["groups"] for u in g["units"] if not u["no_tthc"]]
    if not scored:
        return []
    return [
        c
        for c in snapshot["criteria"]
        if all(Decimal(u["scores"].get(c["code"], {}).get("final") or 0) == 0 for u in scored)
    ]


def late_units(snapshot: dict) -> list[dict]:
    """Local units with late or overdue dossiers, most late first."""
    late = [
        (index, u)
        for index, u in enumerate(snapshot["dossiers"]["units"])
        if u["late"] > 0 and u["kind"] in UnitKind.local()
    ]
    late.sort(key=lambda pair: (-pair[1]["late"], pair[0]))
    return [u for _, u in late]


def no_online_units(snapshot: dict) -> list[dict]:
    """Units that received dossiers, none of them online."""
    return [
        u
        for u in snapshot["dossiers"]["units"]
        if u["received_online"] == 0 and u["received_offline"] > 0
    ]


def online_share(snapshot: dict) -> Decimal | None:
    received = snapshot["dossiers"]["received"]
    if not received:
        return None
    return Decimal(snapshot["dossiers"]["received_online"]) / Decimal(received)


def issues(snapshot: dict, threshold: Decimal) -> str:
    bullets = [
        f"Đối với tiêu chí số {c['code']} “{c['short_title']}” chưa có đơn vị nào đạt điểm số."
        for c in zero_criteria(snapshot)
    ]
    late = late_units(snapshot)
    if late:
        words = local_words({u["kind"] for u in late})
        names = ", ".join(u["short_name"] for u in late)
        bullets.append(
            f"Một số {words} vẫn còn để hồ sơ trễ hẹn và quá hạn trên Cổng dịch vụ công ({names})."
        )
    online = _online_bullet(snapshot, threshold)
    if online:
        bullets.append(online)
    return "\n".join(f"- {b}" for b in bullets)


def _online_bullet(snapshot: dict, threshold: Decimal) -> str:
    share = online_share(snapshot)
    low = share is not None and share < threshold
    silent = no_online_units(snapshot)
    if silent:
        kinds = {u["kind"] for u in silent}
        who = local_words(kinds) if kinds <= UnitKind.local() else "đơn vị"
        names = ", ".join(u["short_name"] for u in silent)
        tail = f"một số {who} chưa thực hiện việc tiếp nhận hồ sơ trên {PORTAL} ({names})."
        if low:
            return f"Tỷ lệ tiếp nhận hồ sơ trên {PORTAL} còn thấp, {tail}"
        return tail[0].upper() + tail[1:]
    if low:
        return f"Tỷ lệ tiếp nhận hồ sơ trên {PORTAL} còn thấp."
    return ""


def closing(snapshot: dict) -> str:
    return (
        "Trên đây là Báo cáo kết quả thực hiện việc chấm điểm đánh giá giải quyết thủ tục hành "
        f"chính {quarter_words(snapshot)} của {units_phrase(snapshot)} trên địa bàn "
        f"{area(snapshot)}./."
    )


def distribution(snapshot: dict) -> str:
    word = ADMIN_WORD.get(snapshot["organizer"]["kind"], "")
    lines = ["Văn phòng UBND tỉnh;", f"Lãnh đạo UBND {word};", f"Cổng thông tin điện tử {word};"]
    groups = {g["group"] for g in snapshot["groups"]}
    if ReportGroup.AGENCIES in groups:
        lines.append("Các cơ quan, đơn vị;")
    if ReportGroup.LOCAL in groups:
        lines.append(f"UBND các {local_words(_local_kinds(snapshot))};")
    lines.append("Lưu: VT.")
    return "\n".join(lines)


def draft_automatic(snapshot: dict, threshold: Decimal) -> dict[str, str]:
    """The sections "regenerate from data" redrafts."""
    return {
        "subject": subject(snapshot),
        "basis": basis(snapshot),
        "aggregation": aggregation(snapshot),
        "specific": specific(snapshot),
        "issues": issues(snapshot, threshold),
        "closing": closing(snapshot),
    }


def draft_all(snapshot: dict, threshold: Decimal) -> dict[str, str]:
    """Every section, for a new report."""
    org = snapshot["organizer"]
    return {
        **draft_automatic(snapshot, threshold),
        "evaluation": evaluation(snapshot),
        "distribution": distribution(snapshot),
        "issuer": org["name"].upper(),
        "place": org["short_name"],
    }
