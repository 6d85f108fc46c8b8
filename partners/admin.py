from django.contrib import admin

from partners.models import OrientationTarget, Partner, Procedure


class ProcedureInline(admin.StackedInline):
    """Stacked rather than tabular: each field keeps its label for screen readers."""

    model = Procedure
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """The national partners are the national administrator's; an organisation's own are also its coordinators'."""

    list_display = ["short_name", "code", "family", "organisation", "position", "active"]
    list_filter = ["family", "active", "organisation"]
    list_select_related = ["organisation"]
    inlines = [ProcedureInline]


@admin.register(OrientationTarget)
class OrientationTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "position", "active"]
    list_filter = ["active", "organisation"]
    list_select_related = ["organisation"]
