from django.contrib import admin

from partners.models import OrientationTarget, Partner, Procedure


class ProcedureInline(admin.StackedInline):
    """Stacked rather than tabular: each field keeps its label for screen readers."""

    model = Procedure
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["short_name", "code", "family", "position", "active"]
    list_filter = ["family", "active"]
    inlines = [ProcedureInline]


@admin.register(OrientationTarget)
class OrientationTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active"]
