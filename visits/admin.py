from django.contrib import admin

from visits.models import Demand, Visit, VisitCorrection


class DemandInline(admin.TabularInline):
    model = Demand
    extra = 0


class VisitCorrectionInline(admin.TabularInline):
    model = VisitCorrection
    extra = 0
    readonly_fields = ["agent", "at", "changes"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["ticket", "stop", "service_day", "status", "arrived_at"]
    list_filter = ["status", "service_day"]
    date_hierarchy = "service_day"
    raw_id_fields = ["stop", "registered_by", "deblayage_agent", "accompagnement_agent"]
    inlines = [DemandInline, VisitCorrectionInline]
