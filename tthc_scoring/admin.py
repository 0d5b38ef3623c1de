"""The audit log in the admin: browsed with auditlog's own pages, and exported (CSV, XLSX)
with django-import-export, as every other table of the site."""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from import_export import fields, resources
from import_export.admin import ExportMixin
from import_export.formats import base_formats


class LogEntryResource(resources.ModelResource):
    actor = fields.Field(attribute="actor", column_name="actor")
    model = fields.Field(attribute="content_type", column_name="model")
    action = fields.Field(column_name="action")

    class Meta:
        model = LogEntry
        fields = [
            "timestamp",
            "actor",
            "remote_addr",
            "model",
            "object_pk",
            "object_repr",
            "action",
            "changes",
        ]

    def dehydrate_actor(self, entry):
        return entry.actor.get_username() if entry.actor else ""

    def dehydrate_model(self, entry):
        return f"{entry.content_type.app_label}.{entry.content_type.model}"

    def dehydrate_action(self, entry):
        return entry.get_action_display()


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogAdmin(ExportMixin, LogEntryAdmin):
    resource_classes = [LogEntryResource]
    export_formats = [base_formats.CSV, base_formats.XLSX]
