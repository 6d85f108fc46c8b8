from django.contrib import admin

from mairie_mobile.admin import ReadOnlyAdmin
from visits.models import Demand, Feedback, Visit, VisitCorrection


class ReadOnlyInline(admin.StackedInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DemandInline(ReadOnlyInline):
    model = Demand


class VisitCorrectionInline(ReadOnlyInline):
    model = VisitCorrection


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    """Read only: a visit is corrected by the agents' correction page, which keeps its history
    and writes the audit journal."""

    list_display = ["ticket", "stop", "service_day", "status", "arrived_at"]
    list_filter = ["status", "service_day"]
    date_hierarchy = "service_day"
    list_select_related = ["stop"]
    inlines = [DemandInline, VisitCorrectionInline]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    """Read only: an opinion is never rewritten, and handled on the coordinators' page, which
    writes the audit journal. Deletable, for a comment that has no place here."""

    deletable = True
    list_display = ["service_day", "stop", "source", "mood", "answered", "clarity", "handled_at"]
    list_filter = ["source", "mood", "service_day"]
    date_hierarchy = "service_day"
    list_select_related = ["stop"]
