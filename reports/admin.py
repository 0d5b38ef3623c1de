from django.contrib import admin

from reports.models import RenderJob, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["period", "number_symbol", "issue_date", "status", "signed_at"]
    list_filter = ["status"]
    # The workflow (reports.domain) sets these; the frozen results never change by hand.
    readonly_fields = [
        "period",
        "status",
        "drafted",
        "snapshot",
        "approved_at",
        "approved_by",
        "pdf",
        "pdf_sha256",
        "signed_pdf",
        "signed_sha256",
        "certificate_subject",
        "signed_at",
        "signed_by",
        "version",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(RenderJob)
class RenderJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "report", "kind", "state", "progress", "requested_by"]
    list_filter = ["state", "kind"]
    readonly_fields = ["report", "kind", "state", "progress", "message", "output", "finished_at"]

    def has_add_permission(self, request):
        return False
