import html
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from criteria.models import CriteriaSet, CriteriaSetStatus
from scoring.domain import Entry
from scoring.files import ALLOWED_EXTENSIONS, CheckedFile, check_evidence_file
from scoring.models import EXPLANATION_MAX, REASON_MAX, Period, Score
from scoring.periods import default_deadlines
from scoring.results import BoardFilter
from units.models import Unit


def points_field(
    score: Score,
    label: str,
    initial: Decimal | None,
    *,
    select: type[forms.Select] = forms.Select,
    number: type[forms.NumberInput] = forms.NumberInput,
) -> forms.Field:
    """A field limited to the criterion's allowed values (a choice) or its range and step."""
    criterion = score.criterion
    if criterion.allowed_values:
        choices = [("", "—")] + [
            (str(v.normalize()), number_format(v.normalize())) for v in criterion.choices()
        ]
        return forms.TypedChoiceField(
            label=label,
            choices=choices,
            coerce=Decimal,
            empty_value=None,
            required=False,
            widget=select,
            initial=None if initial is None else str(initial.normalize()),
            error_messages={
                "invalid_choice": _("Choose one of the allowed points for this criterion.")
            },
        )
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=criterion.max_points,
        step_size=criterion.step,
        decimal_places=2,
        initial=initial,
        widget=number,
    )


def _escape(value) -> str:
    """``conditional_escape`` without the lazy-string wrapper of ``escape``, which costs more
    than the escaping itself at the few hundred calls of a scorecard page."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    """HTML attributes as Django's ``attrs.html`` writes them (True: bare, False: left out)."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class DirectRender:
    """Writes the widget's markup in Python from the widget's own context, the same markup as
    Django's widget templates, without the template engine.

    The scorecard page has three widgets per criterion; through the form renderer's templates
    (an include per option and per attribute list) they were about a quarter of the page's CPU.
    Attributes, ids, the selected option and error attributes still come from Django's
    ``get_context`` and ``BoundField.build_widget_attrs``: only the writing is ours.
    """

    def _render(self, template_name, context, renderer=None) -> SafeString:
        widget = context["widget"]
        if template_name != self.template_name or widget.get("is_initial"):
            return super()._render(template_name, context, renderer)
        return mark_safe(self.markup(widget))


class PointsSelect(DirectRender, forms.Select):
    def markup(self, widget: dict) -> str:
        parts = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f'\n  <optgroup label="{_escape(group)}">')
            parts.extend(
                f'\n  <option value="{_escape(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_escape(option['label'])}</option>\n"
                for option in options
            )
            if group:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)


class PointsInput(DirectRender, forms.NumberInput):
    def markup(self, widget: dict) -> str:
        value = widget["value"]
        shown = "" if value is None else f' value="{_escape(value)}"'
        return (
            f'<input type="{_escape(widget["type"])}" '
            f'name="{_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
        )


class NoteTextarea(DirectRender, forms.Textarea):
    def __init__(self, attrs=None):
        super().__init__({"rows": 2, **(attrs or {})})

    def markup(self, widget: dict) -> str:
        value = _escape(widget["value"]) if widget["value"] else ""
        name = _escape(widget["name"])
        return f'<textarea name="{name}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class EvidenceInput(DirectRender, forms.ClearableFileInput):
    """A new file only: a stored file is never this widget's initial value (the page lists
    them apart), so the "currently / clear" part of Django's template is not written here."""

    def __init__(self, attrs=None):
        super().__init__({"accept": ",".join(ALLOWED_EXTENSIONS), **(attrs or {})})

    def markup(self, widget: dict) -> str:
        return (
            f'<input type="{_escape(widget["type"])}" '
            f'name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
        )


class VersionedForm(forms.Form):
    """Carries the scorecard version the page was rendered from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


def evidence_help() -> str:
    """Which files an evidence field takes, and how large, said next to it."""
    kinds = ", ".join(ext.lstrip(".").upper() for ext in ALLOWED_EXTENSIONS)
    return _("Accepted: %(kinds)s; at most %(size)s per file.") % {
        "kinds": kinds,
        "size": filesizeformat(settings.EVIDENCE_MAX_BYTES),
    }


class SelfScoreForm(VersionedForm):
    def __init__(self, *args, scores: list[Score], **kwargs):
        super().__init__(*args, **kwargs)
        self.scores = scores
        for score in scores:
            cid = score.criterion_id
            self.fields[f"points_{cid}"] = points_field(
                score, _("Points"), score.self_points, select=PointsSelect, number=PointsInput
            )
            self.fields[f"note_{cid}"] = forms.CharField(
                label=_("Explanation"),
                required=False,
                max_length=EXPLANATION_MAX,
                initial=score.self_note,
                widget=NoteTextarea,  # a class: each field makes its own, no deep copy
            )
            self.fields[f"evidence_{cid}"] = forms.FileField(
                label=_("Add evidence"),
                required=False,
                widget=EvidenceInput,
                help_text=evidence_help(),
            )
        self.checked: dict[int, CheckedFile] = {}

    def rows(self):
        for score in self.scores:
            cid = score.criterion_id
            yield score, self[f"points_{cid}"], self[f"note_{cid}"], self[f"evidence_{cid}"]

    def clean(self):
        data = super().clean()
        for score in self.scores:
            upload = data.get(f"evidence_{score.criterion_id}")
            if upload:
                try:
                    self.checked[score.criterion_id] = check_evidence_file(upload)
                except ValidationError as exc:
                    self.add_error(f"evidence_{score.criterion_id}", exc)
        return data

    def entries(self) -> dict[int, Entry]:
        return {
            s.criterion_id: Entry(
                self.cleaned_data[f"points_{s.criterion_id}"],
                self.cleaned_data[f"note_{s.criterion_id}"].strip(),
            )
            for s in self.scores
        }

    def uploads(self) -> list[tuple[Score, object, CheckedFile]]:
        return [
            (s, self.cleaned_data[f"evidence_{s.criterion_id}"], self.checked[s.criterion_id])
            for s in self.scores
            if s.criterion_id in self.checked
        ]


class ReviewForm(VersionedForm):
    note = forms.CharField(
        label=_("Overall comment"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to return the scorecard, unless a criterion has a comment."),
    )

    def __init__(self, *args, scores: list[Score], **kwargs):
        super().__init__(*args, **kwargs)
        self.scores = scores
        for score in scores:
            cid = score.criterion_id
            self.fields[f"points_{cid}"] = points_field(
                score, _("Reviewed points"), score.reviewed_points
            )
            self.fields[f"reason_{cid}"] = forms.CharField(
                label=_("Reason for the change"),
                required=False,
                max_length=REASON_MAX,
                initial=score.review_reason,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"comment_{cid}"] = forms.CharField(
                label=_("Comment to the unit"),
                required=False,
                max_length=REASON_MAX,
                initial=score.comment,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        for score in self.scores:
            cid = score.criterion_id
            yield score, self[f"points_{cid}"], self[f"reason_{cid}"], self[f"comment_{cid}"]

    def clean(self):
        """A changed score needs its reason, said next to the reason's field (the domain
        refuses it too, for every other caller)."""
        data = super().clean()
        for score in self.scores:
            cid = score.criterion_id
            points = data.get(f"points_{cid}")
            reason = (data.get(f"reason_{cid}") or "").strip()
            changed = points is not None and points != score.self_points
            if changed and not reason and f"reason_{cid}" not in self.errors:
                self.add_error(f"reason_{cid}", _("Give a reason for changing the points."))
        return data

    def entries(self) -> dict[int, Entry]:
        return {
            s.criterion_id: Entry(
                self.cleaned_data[f"points_{s.criterion_id}"],
                self.cleaned_data[f"reason_{s.criterion_id}"].strip(),
                self.cleaned_data[f"comment_{s.criterion_id}"].strip(),
            )
            for s in self.scores
        }

    def return_note(self) -> str:
        """The overall comment, or the criterion comments gathered when it is empty."""
        note = self.cleaned_data["note"].strip()
        if note:
            return note
        return "; ".join(
            f"{s.criterion.code}: {self.cleaned_data[f'comment_{s.criterion_id}'].strip()}"
            for s in self.scores
            if self.cleaned_data[f"comment_{s.criterion_id}"].strip()
        )


class NoTthcForm(VersionedForm):
    note = forms.CharField(
        label=_("Why no procedure arose"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    note = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"})
    )
    # Checked here, next to the fields, and again by the domain for every other caller;
    # marked required for the browser too.
    note = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"required": True}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason for the extension."))
        today = timezone.localdate()
        if data.get("deadline") and data["deadline"] <= today:
            self.add_error(
                "deadline",
                _("The new deadline must be after today (%(date)s).")
                % {"date": today.strftime("%d/%m/%Y")},
            )
        return data


class BoardFilterForm(forms.Form):
    """The board's search, filters and sort (a GET form: links keep them)."""

    q = forms.CharField(label=_("Unit name"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    group = forms.ChoiceField(label=_("Group"), required=False)
    band = forms.ChoiceField(label=_("Classification"), required=False)
    late = forms.BooleanField(label=_("Only units past their deadline"), required=False)
    sort = forms.ChoiceField(required=False, choices=[("", "")])

    SORTS = ("unit", "status", "submitted", "progress", "self", "final", "band", "deadline")

    def __init__(self, *args, statuses, groups, bands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("e.g. Quài Cang")})
        self.fields["status"].choices = [("", _("All statuses")), *statuses]
        self.fields["group"].choices = [("", _("All groups")), *groups]
        self.fields["band"].choices = [("", _("All classifications")), *[(b, b) for b in bands]]
        self.fields["sort"].choices = [
            ("", ""),
            *[(name, name) for name in self.SORTS],
            *[(f"-{name}", name) for name in self.SORTS],
        ]

    def wanted(self) -> BoardFilter:
        """The valid part of the request: an unknown value is ignored, the others apply."""
        self.is_valid()  # cleaned_data then holds the fields that are valid
        return BoardFilter(**{k: v for k, v in self.cleaned_data.items() if v is not None})


class CardVersionsField(forms.MultipleChoiceField):
    """Ticked board rows, each "id:version"; cleans to {scorecard id: version seen}."""

    def valid_value(self, value) -> bool:
        return _card_version(value) is not None

    def clean(self, value) -> dict[int, int]:
        return dict(_card_version(item) for item in super().clean(value))


class BulkApproveForm(forms.Form):
    """The board's ticked scorecards, each with the version the board showed."""

    cards = CardVersionsField(error_messages={"required": _("Select at least one scorecard.")})


def _card_version(value: str) -> tuple[int, int] | None:
    card, _sep, version = str(value).partition(":")
    if not (card.isdigit() and version.isdigit()):
        return None
    return int(card), int(version)


class OpenPeriodForm(forms.Form):
    """Open a quarter in the browser (``scoring.periods.open_period``'s twin of the command)."""

    organizer = forms.ModelChoiceField(
        label=_("Organising unit"), queryset=Unit.objects.none(), empty_label=None
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, choices=[(q, q) for q in range(1, 5)]
    )
    criteria_set = forms.ModelChoiceField(
        label=_("Criteria set"), queryset=CriteriaSet.objects.none(), empty_label=None
    )
    self_deadline = forms.DateField(
        label=_("Self-scoring deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: the %(day)sth of the month after the quarter."),
    )
    review_deadline = forms.DateField(
        label=_("Review deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: the %(day)sth of the month after the quarter."),
    )
    carry_over = forms.BooleanField(
        label=_("Start from last quarter: copy each unit's explanations as its first draft"),
        required=False,
        initial=True,
        help_text=_("Only the explanations: points, statuses and evidence start empty."),
    )
    basis_document = forms.CharField(
        label=_("Basis document"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text=_("The instruction this round answers, as cited in the report."),
    )
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organizers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = organizers
        self.fields["criteria_set"].queryset = CriteriaSet.objects.filter(
            status=CriteriaSetStatus.PUBLISHED
        ).order_by(F("effective_from").desc(nulls_last=True), "-version")
        self.fields["criteria_set"].initial = self.fields["criteria_set"].queryset.first()
        self.fields["quarter"].choices = [(q, _("Quarter %(n)s") % {"n": q}) for q in range(1, 5)]
        for name, day in (
            ("self_deadline", settings.SELF_DEADLINE_DAY),
            ("review_deadline", settings.REVIEW_DEADLINE_DAY),
        ):
            self.fields[name].help_text = self.fields[name].help_text % {"day": day}

    def clean(self):
        data = super().clean()
        if not self.errors:
            defaults = default_deadlines(data["year"], data["quarter"])
            data["self_deadline"] = data.get("self_deadline") or defaults[0]
            data["review_deadline"] = data.get("review_deadline") or defaults[1]
            if data["review_deadline"] < data["self_deadline"]:
                self.add_error(
                    "review_deadline",
                    _("The review deadline must not be before the self-scoring deadline."),
                )
            if Period.objects.filter(
                organizer=data["organizer"], year=data["year"], quarter=data["quarter"]
            ).exists():
                self.add_error(
                    "quarter",
                    _("%(unit)s has already opened quarter %(q)s/%(y)s.")
                    % {"unit": data["organizer"], "q": data["quarter"], "y": data["year"]},
                )
        return data

    def fingerprint(self) -> str:
        """What the preview showed, signed: confirming after a change shows the preview again."""
        data = self.cleaned_data
        values = [
            data["organizer"].pk,
            data["year"],
            data["quarter"],
            data["criteria_set"].pk,
            data["self_deadline"].isoformat(),
            data["review_deadline"].isoformat(),
            int(data["carry_over"]),
        ]
        return signing.dumps(values, salt="open-period")

    def previewed_unchanged(self) -> bool:
        try:
            seen = signing.loads(self.cleaned_data.get("previewed") or "", salt="open-period")
        except signing.BadSignature:
            return False
        return seen == signing.loads(self.fingerprint(), salt="open-period")
