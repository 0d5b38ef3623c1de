from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reports.models import IssuedDocument, RenderJob, Report, ReportEvent, WorkerHeartbeat


def _stored_name(field) -> str:
    # Media is private (no MEDIA_URL): the file is named, and downloaded from the report page.
    return field.name or "—"


class ReadOnly:
    """The workflow's record (``reports.domain``) is append-only: seen here, never edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportEventInline(ReadOnly, admin.TabularInline):
    model = ReportEvent
    fields = ["created_at", "kind", "actor", "note", "before", "after"]
    readonly_fields = fields
    extra = 0


class IssuedDocumentInline(ReadOnly, admin.TabularInline):
    model = IssuedDocument
    fields = ["created_at", "kind", "stored_file", "size", "sha256", "created_by", "withdrawn_at"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("file"))
    def stored_file(self, document):
        return _stored_name(document.file)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["period", "number_symbol", "issue_date", "status", "signed_at"]
    list_filter = ["status"]
    inlines = [IssuedDocumentInline, ReportEventInline]
    # The files are issued by the workflow and shown by name below, never replaced here.
    exclude = ["pdf", "signed_pdf"]
    # The workflow (reports.domain) sets these; the frozen results never change by hand.
    readonly_fields = [
        "period",
        "status",
        "drafted",
        "snapshot",
        "approved_at",
        "approved_by",
        "approved_file",
        "pdf_sha256",
        "signed_file",
        "signed_sha256",
        "certificate_subject",
        "signed_at",
        "signed_by",
        "version",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("approved PDF"))
    def approved_file(self, report):
        return _stored_name(report.pdf)

    @admin.display(description=_("signed PDF"))
    def signed_file(self, report):
        return _stored_name(report.signed_pdf)


@admin.register(RenderJob)
class RenderJobAdmin(ReadOnly, admin.ModelAdmin):
    """Jobs change only in the worker (``reports.worker``) and through the job page's retry."""

    list_display = ["created_at", "report", "kind", "state", "progress", "attempts", "heartbeat_at"]
    list_filter = ["state", "kind"]
    readonly_fields = [
        "report",
        "kind",
        "state",
        "progress",
        "message",
        "output_file",
        "attempts",
        "heartbeat_at",
        "task_id",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    exclude = ["output"]

    @admin.display(description=_("output"))
    def output_file(self, job):
        return _stored_name(job.output)


@admin.register(ReportEvent)
class ReportEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "report", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["report__period__organizer", "actor"]


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "report", "kind", "size", "created_by", "withdrawn_at"]
    list_filter = ["kind"]
    list_select_related = ["report__period__organizer", "created_by"]

    fields = [
        "report",
        "kind",
        "stored_file",
        "sha256",
        "size",
        "certificate_subject",
        "signed_at",
        "created_by",
        "created_at",
        "withdrawn_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def stored_file(self, document):
        return _stored_name(document.file)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnly, admin.ModelAdmin):
    """Written by the workers themselves (``manage.py worker``); ``/healthz`` reads them."""

    list_display = ["name", "seen_at"]
