from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from imports.admin import ContractAdmin
from scoring.models import (
    DossierStats,
    Evidence,
    ImportBatch,
    IndicatorFigure,
    MailFailure,
    Period,
    Reminder,
    Score,
    Scorecard,
    ScorecardEvent,
    SurveySummary,
)
from scoring.resources import (
    DossierStatsResource,
    IndicatorFigureResource,
    ScorecardResource,
    ScoreResource,
    SurveySummaryResource,
)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organizer", "year", "quarter", "criteria_set", "status"]
    list_filter = ["status", "year", "organizer"]
    # Bands are a snapshot taken when the period opened; a later change must not reclassify.
    readonly_fields = ["organizer", "year", "quarter", "criteria_set", "bands", "created_at"]

    def has_add_permission(self, request):
        # Opening a period creates its scorecards: use `manage.py open_period`.
        return False


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    can_delete = False
    fields = ["criterion", "self_points", "reviewed_points", "review_reason", "suggested_points"]
    # Points change through the scoring workflow, which logs every change.
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = ScorecardEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "kind", "note", "before", "after"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Scorecard)
class ScorecardAdmin(ContractAdmin):
    resource_classes = [ScorecardResource]
    list_display = ["unit", "period", "status", "no_tthc", "self_total", "final_total", "band"]
    list_filter = ["period", "status", "no_tthc", "band"]
    search_fields = ["unit__name", "unit__code"]
    # Statuses, totals, bands, deadlines and ranks are set only by scoring.domain, which records
    # each change (the history, the audit log); a deadline is extended from the review page.
    readonly_fields = [
        "period",
        "unit",
        "status",
        "no_tthc",
        "no_tthc_note",
        "self_total",
        "final_total",
        "band",
        "version",
        "deadline",
        "submitted_at",
        "review_opened_at",
        "approved_at",
    ]
    inlines = [ScoreInline, EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "score", "size", "content_type", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "sha256"]
    # Media is private (no MEDIA_URL): the file opens through the permission-checked view,
    # and is only ever added or removed through the scorecard (scoring.domain).
    exclude = ["file"]
    readonly_fields = [
        "stored_file",
        "sha256",
        "size",
        "content_type",
        "uploaded_by",
        "uploaded_at",
    ]

    @admin.display(description=_("file"))
    def stored_file(self, evidence):
        if not evidence.pk:
            return "—"
        url = reverse("scoring:evidence", args=[evidence.pk])
        return format_html('<a href="{}">{}</a>', url, evidence.original_name)


@admin.register(ScorecardEvent)
class ScorecardEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "scorecard", "kind", "actor"]
    list_filter = ["kind"]

    # The history is append-only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuarterFiguresAdmin(ContractAdmin):
    """Figures of a unit's quarter: saving or deleting one here recomputes the suggestions of
    every period of that quarter (and of the quarter it had before, when that changed), as
    an import does."""

    def save_model(self, request, obj, form, change):
        quarters = {(obj.year, obj.quarter)}
        if change:
            quarters.add((form.initial.get("year"), form.initial.get("quarter")))
        super().save_model(request, obj, form, change)
        refresh_quarters(quarters)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        refresh_quarters({(obj.year, obj.quarter)})

    def delete_queryset(self, request, queryset):
        quarters = set(queryset.values_list("year", "quarter"))
        super().delete_queryset(request, queryset)
        refresh_quarters(quarters)


def refresh_quarters(quarters) -> None:
    from scoring.domain import refresh_suggestions

    for year, quarter in sorted(q for q in quarters if None not in q):
        for period in Period.objects.filter(year=year, quarter=quarter):
            refresh_suggestions(period)


@admin.register(DossierStats)
class DossierStatsAdmin(QuarterFiguresAdmin):
    resource_classes = [DossierStatsResource]
    list_display = [
        "unit",
        "year",
        "quarter",
        "received_online",
        "received_offline",
        "resolved_overdue",
        "pending_overdue",
    ]
    list_filter = ["year", "quarter"]
    search_fields = ["unit__name"]


@admin.register(SurveySummary)
class SurveySummaryAdmin(QuarterFiguresAdmin):
    resource_classes = [SurveySummaryResource]
    list_display = ["unit", "year", "quarter", "forms", "satisfied", "dissatisfied"]
    list_filter = ["year", "quarter"]
    search_fields = ["unit__name"]


@admin.register(IndicatorFigure)
class IndicatorFigureAdmin(QuarterFiguresAdmin):
    resource_classes = [IndicatorFigureResource]
    list_display = ["unit", "year", "quarter", "name", "value", "import_batch"]
    list_filter = ["year", "quarter", "name"]
    search_fields = ["unit__name", "unit__code", "name"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "file_name", "rows", "outcome", "imported_by"]
    list_filter = ["kind", "outcome"]
    # The imported file is kept for the record, named here (private media has no URL).
    exclude = ["file"]
    readonly_fields = ["stored_file", "sha256", "created_at"]

    @admin.display(description=_("file"))
    def stored_file(self, batch):
        return batch.file.name or "—"


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["sent_on", "scorecard", "recipients"]
    list_filter = ["sent_on"]
    readonly_fields = ["scorecard", "sent_on", "recipients"]


@admin.register(Score)
class ScoreAdmin(ContractAdmin):
    """Read-only for editing: points change only through the workflow or an import (both
    keep their history)."""

    resource_classes = [ScoreResource]
    list_display = ["scorecard", "criterion", "self_points", "reviewed_points", "suggested_points"]
    list_filter = ["scorecard__period", "criterion__code"]
    search_fields = ["scorecard__unit__name"]
    # Points change only through the scoring workflow, which keeps their history.
    readonly_fields = [
        "scorecard",
        "criterion",
        "max_points",
        "self_points",
        "self_note",
        "suggested_points",
        "suggestion_source",
        "reviewed_points",
        "review_reason",
        "comment",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(MailFailure)
class MailFailureAdmin(admin.ModelAdmin):
    """Notifications that could not be sent: the steps were saved, the people not told."""

    list_display = ["created_at", "subject", "recipients", "error"]
    search_fields = ["subject", "recipients", "error"]
    readonly_fields = ["created_at", "subject", "recipients", "error", "scorecard"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
