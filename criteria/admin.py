from django.contrib import admin

from criteria.models import Band, CriteriaSet, Criterion


class PublishedIsReadOnly:
    """A published criteria set never changes: a new version is a new set."""

    def _published(self, obj) -> bool:
        criteria_set = obj if isinstance(obj, CriteriaSet) else getattr(obj, "criteria_set", None)
        return bool(criteria_set and criteria_set.is_published)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._published(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._published(obj)


class CriterionInline(PublishedIsReadOnly, admin.StackedInline):
    model = Criterion
    fk_name = "criteria_set"
    extra = 0
    fields = [
        ("code", "order", "parent", "is_group"),
        "title",
        "short_title",
        "guidance",
        ("max_points", "allowed_values", "step", "evidence_required"),
        "suggestion_rule",
    ]


class BandInline(PublishedIsReadOnly, admin.TabularInline):
    model = Band
    extra = 0


@admin.register(CriteriaSet)
class CriteriaSetAdmin(PublishedIsReadOnly, admin.ModelAdmin):
    list_display = ["name", "code", "version", "status", "effective_from", "effective_to"]
    list_filter = ["status"]
    search_fields = ["code", "name"]
    readonly_fields = ["source_sha256", "loaded_at"]
    inlines = [CriterionInline, BandInline]


@admin.register(Criterion)
class CriterionAdmin(PublishedIsReadOnly, admin.ModelAdmin):
    list_display = ["code", "short_title", "criteria_set", "max_points", "evidence_required"]
    list_filter = ["criteria_set"]
    search_fields = ["code", "title", "short_title"]


@admin.register(Band)
class BandAdmin(PublishedIsReadOnly, admin.ModelAdmin):
    list_display = ["label", "criteria_set", "lower_bound", "upper_bound", "order"]
    list_filter = ["criteria_set"]
