"""Load a criteria set from its YAML file: one format, validated whole before anything is written.

The format is documented in ``criteria/sets/README.md``. ``load_criteria_file`` either
creates the set, updates a draft set, leaves an identical published set alone, or raises
``CriteriaFileError`` naming the file, the item and the reason; on error nothing is written.
"""

import datetime
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from criteria.models import POINTS, Band, CriteriaSet, CriteriaSetStatus, Criterion

SET_FIELDS = {"code", "version", "name", "legal_bases", "effective_from", "effective_to"}
SET_FIELDS |= {"status", "criteria", "bands"}
CRITERION_FIELDS = {"code", "title", "short_title", "guidance", "max_points", "values", "step"}
CRITERION_FIELDS |= {"evidence_required", "suggestion", "children"}
BAND_FIELDS = {"label", "report_phrase", "min", "below", "colour"}

# Suggestion rules (docs/criteria.md). A rule names either a statistic that
# ``scoring.suggestions`` computes from the dossier statistics or surveys, with its parameters
# (shares from 0 to 1), or a formula over imported indicator figures.
STATISTICS = {
    "dossier_timeliness": {"late_tolerance", "early_share"},
    "online_service": {"full_procedure_share", "full_dossier_share", "partial_dossier_share"},
    "survey_average": set(),
}
FORMULAS = {"ratio", "deduction"}
FORMULA_FIELDS = {"formula", "label", "numerator", "denominator", "thresholds", "otherwise"}
FORMULA_FIELDS |= {"when_empty"}
# The name of a ``scoring.IndicatorFigure`` row (a slug of at most 60 characters); a leading
# "-" subtracts the figure instead of adding it.
FIGURE_NAME = re.compile(r"-?[a-z0-9][a-z0-9_-]{0,59}")
LABEL_LENGTH = 100


class CriteriaFileError(Exception):
    def __init__(self, path: str, item: str, reason: str):
        self.path, self.item, self.reason = path, item, reason
        super().__init__(f"{path}: {item}: {reason}")


@dataclass(frozen=True)
class Scale:
    """The points a criterion allows: what a suggestion rule's points must fit."""

    max_points: Decimal
    values: list[Decimal]
    step: Decimal


@dataclass
class ParsedCriterion:
    code: str
    title: str
    short_title: str
    guidance: str
    max_points: Decimal
    values: list[Decimal]
    step: Decimal
    evidence_required: bool
    suggestion: dict | None
    children: list["ParsedCriterion"] = field(default_factory=list)


@dataclass
class ParsedBand:
    label: str
    report_phrase: str
    lower: Decimal
    upper: Decimal | None
    colour: str


@dataclass
class ParsedSet:
    code: str
    version: int
    name: str
    legal_bases: list[str]
    effective_from: datetime.date | None
    effective_to: datetime.date | None
    status: str
    criteria: list[ParsedCriterion]
    bands: list[ParsedBand]
    checksum: str


class _Parser:
    def __init__(self, path: str):
        self.path = path

    def fail(self, item: str, reason: str):
        raise CriteriaFileError(self.path, item, reason)

    def mapping(self, data, item: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(data, dict):
            self.fail(item, _("expected a mapping of fields"))
        unknown = sorted(set(data) - allowed)
        if unknown:
            self.fail(item, _("unknown field “%(field)s”") % {"field": unknown[0]})
        for name in sorted(required):
            if data.get(name) in (None, ""):
                self.fail(item, _("missing field “%(field)s”") % {"field": name})
        return data

    def decimal(self, value, item: str, name: str) -> Decimal:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(
                item, _("“%(field)s” is not a number: %(value)s") % {"field": name, "value": value}
            )
        if not number.is_finite():
            self.fail(
                item, _("“%(field)s” is not a number: %(value)s") % {"field": name, "value": value}
            )
        if number < 0:
            self.fail(item, _("“%(field)s” must not be below zero") % {"field": name})
        # The database columns hold POINTS: PostgreSQL refuses more, SQLite would keep it.
        places = POINTS["decimal_places"]
        limit = 10 ** (POINTS["max_digits"] - places)
        if number >= limit or number != round(number, places):
            self.fail(
                item,
                _("“%(field)s” must be below %(limit)s with at most %(places)s decimal places")
                % {"field": name, "limit": limit, "places": places},
            )
        return number

    def date(self, value, item: str, name: str) -> datetime.date | None:
        if value is None or isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.fail(item, _("“%(field)s” is not a date (YYYY-MM-DD)") % {"field": name})

    def parse(self, data) -> ParsedSet:
        data = self.mapping(
            data, _("criteria set"), SET_FIELDS, {"code", "name", "criteria", "bands"}
        )
        item = _("criteria set %(code)s") % {"code": data["code"]}
        version = data.get("version", 1)
        if not isinstance(version, int) or version < 1:
            self.fail(item, _("“version” must be a whole number from 1"))
        status = data.get("status", CriteriaSetStatus.PUBLISHED)
        if status not in CriteriaSetStatus.values:
            self.fail(item, _("“status” must be draft or published"))
        bases = data.get("legal_bases") or []
        if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
            self.fail(item, _("“legal_bases” must be a list of texts"))
        if not isinstance(data["criteria"], list) or not data["criteria"]:
            self.fail(item, _("“criteria” must be a non-empty list"))
        criteria = [self.criterion(c, f"criteria[{i}]") for i, c in enumerate(data["criteria"])]
        self.unique_codes(criteria)
        max_total = sum((c.max_points for c in leaves(criteria)), Decimal(0))
        parsed = ParsedSet(
            code=str(data["code"]),
            version=version,
            name=str(data["name"]),
            legal_bases=bases,
            effective_from=self.date(data.get("effective_from"), item, "effective_from"),
            effective_to=self.date(data.get("effective_to"), item, "effective_to"),
            status=status,
            criteria=criteria,
            bands=self.bands(data["bands"], max_total),
            checksum=checksum(data),
        )
        self.check_lengths(parsed)
        return parsed

    def criterion(self, data, where: str) -> ParsedCriterion:
        data = self.mapping(data, where, CRITERION_FIELDS, {"code", "title"})
        item = _("criterion %(code)s") % {"code": data["code"]}
        children = data.get("children") or []
        if not isinstance(children, list):
            self.fail(item, _("“children” must be a list"))
        parsed_children = [
            self.criterion(c, f"{where}.children[{i}]") for i, c in enumerate(children)
        ]
        if parsed_children:
            max_points = sum((c.max_points for c in parsed_children), Decimal(0))
            declared = data.get("max_points")
            if declared is not None and self.decimal(declared, item, "max_points") != max_points:
                self.fail(
                    item,
                    _("“max_points” %(declared)s is not the sum of its children, %(sum)s")
                    % {"declared": declared, "sum": max_points},
                )
        elif data.get("max_points") is None:
            self.fail(item, _("missing field “%(field)s”") % {"field": "max_points"})
        else:
            max_points = self.decimal(data["max_points"], item, "max_points")
        values = [self.decimal(v, item, "values") for v in (data.get("values") or [])]
        if any(v > max_points for v in values):
            self.fail(item, _("a value in “values” is above max_points"))
        step = self.decimal(data.get("step", "0.01"), item, "step")
        if step == 0:
            self.fail(item, _("“step” must be above zero"))
        scale = Scale(max_points, sorted(values), step)
        suggestion = self.suggestion(data.get("suggestion"), item, scale, bool(parsed_children))
        return ParsedCriterion(
            code=str(data["code"]),
            title=str(data["title"]).strip(),
            short_title=str(data.get("short_title") or "").strip(),
            guidance=str(data.get("guidance") or "").strip(),
            max_points=max_points,
            values=sorted(values),
            step=step,
            evidence_required=bool(data.get("evidence_required", False)),
            suggestion=suggestion,
            children=parsed_children,
        )

    # --- Suggestion rules ---------------------------------------------------------------------

    def suggestion(self, data, item: str, scale: Scale, is_group: bool) -> dict | None:
        """The rule as stored: a statistic as given, a formula normalised (lists of names,
        numbers as texts, thresholds as mappings) so that computing it needs no more checks."""
        if data is None:
            return None
        if not isinstance(data, dict):
            self.fail(item, _("“suggestion” must be a mapping"))
        if is_group:
            self.fail(item, _("a group is not scored: give “suggestion” to its criteria"))
        if ("statistic" in data) == ("formula" in data):
            self.fail(item, _("“suggestion” needs either “statistic” or “formula”, not both"))
        if "statistic" in data:
            return self.statistic(data, item)
        return self.formula(data, item, scale)

    def statistic(self, data: dict, item: str) -> dict:
        name = data["statistic"]
        if not isinstance(name, str) or name not in STATISTICS:
            self.fail(
                item,
                _("unknown statistic “%(name)s” in “suggestion”; known: %(known)s")
                % {"name": name, "known": ", ".join(sorted(STATISTICS))},
            )
        for key, value in data.items():
            if key == "statistic":
                continue
            if key not in STATISTICS[name]:
                self.fail(
                    item,
                    _("unknown parameter “%(field)s” of statistic %(name)s")
                    % {"field": f"suggestion.{key}", "name": name},
                )
            self.share(value, item, f"suggestion.{key}")
        return data

    def formula(self, data: dict, item: str, scale: Scale) -> dict:
        unknown = sorted(set(data) - FORMULA_FIELDS)
        if unknown:
            self.fail(item, _("unknown field “%(field)s”") % {"field": f"suggestion.{unknown[0]}"})
        if not isinstance(data["formula"], str) or data["formula"] not in FORMULAS:
            self.fail(
                item,
                _("unknown formula “%(name)s” in “suggestion”; known: %(known)s")
                % {"name": data["formula"], "known": ", ".join(sorted(FORMULAS))},
            )
        label = data.get("label") or ""
        if not isinstance(label, str) or len(label) > LABEL_LENGTH:
            self.fail(
                item,
                _("“%(field)s” must be a text of at most %(max)s characters")
                % {"field": "suggestion.label", "max": LABEL_LENGTH},
            )
        rule = {
            "formula": data["formula"],
            "label": label.strip(),
            "numerator": self.figure_names(data.get("numerator"), item, "suggestion.numerator"),
            "denominator": self.figure_names(
                data.get("denominator"), item, "suggestion.denominator"
            ),
        }
        thresholds = data.get("thresholds")
        if thresholds is None:
            if scale.values:
                self.fail(
                    item,
                    _("the criterion allows only %(values)s points: give “suggestion.thresholds”")
                    % {"values": ", ".join(format(v.normalize(), "f") for v in scale.values)},
                )
            if "otherwise" in data:
                self.fail(item, _("“suggestion.otherwise” needs “suggestion.thresholds”"))
        else:
            rule["thresholds"] = self.thresholds(thresholds, item, scale)
            otherwise = data.get("otherwise", 0)
            rule["otherwise"] = str(self.points(otherwise, item, "suggestion.otherwise", scale))
        if "when_empty" in data:
            rule["when_empty"] = str(
                self.points(data["when_empty"], item, "suggestion.when_empty", scale)
            )
        return rule

    def figure_names(self, value, item: str, name: str) -> list[str]:
        if value in (None, "", []):
            self.fail(item, _("missing field “%(field)s”") % {"field": name})
        names = value if isinstance(value, list) else [value]
        for figure in names:
            if not isinstance(figure, str) or not FIGURE_NAME.fullmatch(figure):
                self.fail(
                    item,
                    _(
                        "“%(field)s”: “%(value)s” is not a figure name (lower-case letters, "
                        "digits, “_” and “-”, at most 60 characters; “-” before it subtracts it)"
                    )
                    % {"field": name, "value": figure},
                )
        return list(names)

    def thresholds(self, data, item: str, scale: Scale) -> list[dict]:
        """``[[share, points], ...]`` or ``[{min: share, points: p}, ...]`` (ratio ≥ min), or
        ``[{below: share, points: p}, ...]`` (ratio < below): the first that holds gives the
        points. ``min`` go down, ``below`` go up, and one list uses one kind."""
        shape = _(
            "“suggestion.thresholds” must be a non-empty list of [share, points] pairs or of "
            "{min: share, points: p} or {below: share, points: p} mappings"
        )
        if not isinstance(data, list) or not data:
            self.fail(item, shape)
        entries = []
        for i, entry in enumerate(data):
            where = f"suggestion.thresholds[{i}]"
            if isinstance(entry, list) and len(entry) == 2:
                entry = {"min": entry[0], "points": entry[1]}
            if not isinstance(entry, dict) or set(entry) not in (
                {"min", "points"},
                {"below", "points"},
            ):
                self.fail(item, shape)
            kind = "min" if "min" in entry else "below"
            entries.append(
                {
                    kind: self.share(entry[kind], item, f"{where}.{kind}"),
                    "points": self.points(entry["points"], item, f"{where}.points", scale),
                }
            )
        kinds = {next(iter(set(e) - {"points"})) for e in entries}
        if len(kinds) > 1:
            self.fail(item, _("“suggestion.thresholds” must not mix “min” and “below”"))
        bounds = [e.get("min", e.get("below")) for e in entries]
        ordered = sorted(set(bounds), reverse="min" in kinds)
        if bounds != ordered:
            self.fail(
                item,
                _("“suggestion.thresholds” must go from the highest “min” down")
                if "min" in kinds
                else _("“suggestion.thresholds” must go from the lowest “below” up"),
            )
        return [{key: str(value) for key, value in e.items()} for e in entries]

    def share(self, value, item: str, name: str) -> Decimal:
        try:
            number = None if isinstance(value, bool) else Decimal(str(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not 0 <= number <= 1:
            self.fail(
                item,
                _("“%(field)s” must be a share from 0 to 1, e.g. 0.3 for 30%%: %(value)s")
                % {"field": name, "value": value},
            )
        return number

    def points(self, value, item: str, name: str, scale: Scale) -> Decimal:
        points = self.decimal(value, item, name)
        shown = format(points.normalize(), "f")
        if points > scale.max_points:
            self.fail(
                item,
                _("“%(field)s” %(value)s is above max_points %(max)s")
                % {"field": name, "value": shown, "max": format(scale.max_points.normalize(), "f")},
            )
        if scale.values and points not in scale.values:
            self.fail(
                item,
                _("“%(field)s” %(value)s is not one of the criterion's values")
                % {"field": name, "value": shown},
            )
        if not scale.values and points % scale.step:
            self.fail(
                item,
                _("“%(field)s” %(value)s is not a multiple of the step %(step)s")
                % {"field": name, "value": shown, "step": format(scale.step.normalize(), "f")},
            )
        return points

    def check_lengths(self, parsed: ParsedSet) -> None:
        """Texts must fit their columns: PostgreSQL refuses longer ones, SQLite keeps them."""
        checks = [
            (
                _("criteria set %(code)s") % {"code": parsed.code},
                parsed,
                CriteriaSet,
                ["code", "name"],
            )
        ]
        checks += [
            (_("criterion %(code)s") % {"code": c.code}, c, Criterion, ["code", "short_title"])
            for c in walk(parsed.criteria)
        ]
        checks += [
            (
                _("band %(label)s") % {"label": b.label},
                b,
                Band,
                ["label", "report_phrase", "colour"],
            )
            for b in parsed.bands
        ]
        for item, parsed_item, model, names in checks:
            for name in names:
                limit = model._meta.get_field(name).max_length
                if len(getattr(parsed_item, name)) > limit:
                    self.fail(
                        item,
                        _("“%(field)s” is longer than %(max)s characters")
                        % {"field": name, "max": limit},
                    )

    def unique_codes(self, criteria: list[ParsedCriterion]) -> None:
        seen = set()
        for criterion in walk(criteria):
            if criterion.code in seen:
                self.fail(_("criterion %(code)s") % {"code": criterion.code}, _("duplicate code"))
            seen.add(criterion.code)

    def bands(self, data, max_total: Decimal) -> list[ParsedBand]:
        if not isinstance(data, list) or not data:
            self.fail(_("bands"), _("“bands” must be a non-empty list"))
        bands = []
        for i, raw in enumerate(data):
            raw = self.mapping(raw, f"bands[{i}]", BAND_FIELDS, {"label"})
            item = _("band %(label)s") % {"label": raw["label"]}
            if raw.get("min") is None:
                self.fail(item, _("missing field “%(field)s”") % {"field": "min"})
            upper = raw.get("below")
            bands.append(
                ParsedBand(
                    label=str(raw["label"]),
                    report_phrase=str(raw.get("report_phrase") or ""),
                    lower=self.decimal(raw["min"], item, "min"),
                    upper=None if upper is None else self.decimal(upper, item, "below"),
                    colour=str(raw.get("colour") or ""),
                )
            )
        self.check_band_coverage(bands, max_total)
        return bands

    def check_band_coverage(self, bands: list[ParsedBand], max_total: Decimal) -> None:
        """Bands, best first, must tile [0, max_total] with no gap and no overlap."""
        labels = [b.label for b in bands]
        if len(set(labels)) != len(labels):
            self.fail(_("bands"), _("duplicate band label"))
        ordered = sorted(bands, key=lambda b: b.lower)
        if [b.label for b in reversed(ordered)] != labels:
            self.fail(_("bands"), _("bands must be listed from the best (highest) to the lowest"))
        if ordered[0].lower != 0:
            self.fail(
                _("band %(label)s") % {"label": ordered[0].label},
                _("gap: no band covers totals from 0 to %(min)s") % {"min": ordered[0].lower},
            )
        for low, high in itertools.pairwise(ordered):
            item = _("band %(label)s") % {"label": low.label}
            if low.upper is None:
                self.fail(item, _("only the best band may leave “below” empty"))
            if low.upper < high.lower:
                self.fail(
                    item,
                    _("gap: no band covers totals from %(a)s to below %(b)s")
                    % {"a": low.upper, "b": high.lower},
                )
            if low.upper > high.lower:
                self.fail(item, _("overlaps band %(other)s") % {"other": high.label})
        top = ordered[-1]
        if top.upper is not None and top.upper <= max_total:
            self.fail(
                _("band %(label)s") % {"label": top.label},
                _("gap: no band covers totals from %(a)s to %(b)s")
                % {"a": top.upper, "b": max_total},
            )
        if top.lower > max_total:
            self.fail(
                _("band %(label)s") % {"label": top.label},
                _("starts above the maximum total %(max)s") % {"max": max_total},
            )


def walk(criteria: list[ParsedCriterion]):
    for criterion in criteria:
        yield criterion
        yield from walk(criterion.children)


def leaves(criteria: list[ParsedCriterion]) -> list[ParsedCriterion]:
    return [c for c in walk(criteria) if not c.children]


def checksum(data: dict) -> str:
    """Checksum of the parsed content, so comments and layout do not count as a change."""
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def parse_criteria_file(path: str | Path) -> ParsedSet:
    path = str(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise CriteriaFileError(path, _("file"), exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise CriteriaFileError(
            path, _("file"), _("not UTF-8 text: %(error)s") % {"error": exc}
        ) from exc
    except yaml.YAMLError as exc:
        raise CriteriaFileError(
            path, _("file"), _("not valid YAML: %(error)s") % {"error": exc}
        ) from exc
    return _Parser(path).parse(data)


@dataclass
class LoadResult:
    criteria_set: CriteriaSet
    outcome: str  # "created", "updated" or "unchanged"


def load_criteria_file(path: str | Path) -> LoadResult:
    """Validate the file whole, then create or update its set in one transaction."""
    parsed = parse_criteria_file(path)
    with transaction.atomic():
        existing = (
            CriteriaSet.objects.select_for_update()
            .filter(code=parsed.code, version=parsed.version)
            .first()
        )
        if existing and existing.source_sha256 == parsed.checksum:
            return LoadResult(existing, "unchanged")
        if existing and existing.is_published:
            raise CriteriaFileError(
                str(path),
                _("criteria set %(code)s") % {"code": parsed.code},
                _(
                    "version %(version)s is published and cannot change; "
                    "give the changed file a new version"
                )
                % {"version": parsed.version},
            )
        criteria_set = existing or CriteriaSet(code=parsed.code, version=parsed.version)
        outcome = "updated" if existing else "created"
        _write(criteria_set, parsed)
    return LoadResult(criteria_set, outcome)


def _write(criteria_set: CriteriaSet, parsed: ParsedSet) -> None:
    criteria_set.name = parsed.name
    criteria_set.legal_bases = parsed.legal_bases
    criteria_set.effective_from = parsed.effective_from
    criteria_set.effective_to = parsed.effective_to
    criteria_set.status = parsed.status
    criteria_set.source_sha256 = parsed.checksum
    criteria_set.save()
    criteria_set.criteria.all().delete()
    criteria_set.bands.all().delete()
    order = iter(range(1, 10_000))
    _write_criteria(criteria_set, parsed.criteria, None, order)
    for position, band in enumerate(sorted(parsed.bands, key=lambda b: -b.lower), start=1):
        Band.objects.create(
            criteria_set=criteria_set,
            label=band.label,
            report_phrase=band.report_phrase,
            lower_bound=band.lower,
            upper_bound=band.upper,
            order=position,
            colour=band.colour,
        )


def _write_criteria(criteria_set, items: list[ParsedCriterion], parent, order) -> None:
    for item in items:
        criterion = Criterion.objects.create(
            criteria_set=criteria_set,
            parent=parent,
            is_group=bool(item.children),
            code=item.code,
            order=next(order),
            title=item.title,
            short_title=item.short_title,
            guidance=item.guidance,
            max_points=item.max_points,
            allowed_values=[str(v) for v in item.values],
            step=item.step,
            evidence_required=item.evidence_required,
            suggestion_rule=item.suggestion,
        )
        _write_criteria(criteria_set, item.children, criterion, order)
