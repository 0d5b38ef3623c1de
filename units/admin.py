from django.contrib import admin

from imports.admin import ContractAdmin
from units.models import Membership, Unit
from units.resources import UnitResource


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(ContractAdmin):
    resource_classes = [UnitResource]
    list_display = [
        "name",
        "code",
        "short_name",
        "kind",
        "parent",
        "order",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["kind", "parent"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["predecessors"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
