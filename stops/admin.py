from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext as _

from stops import editing
from stops.models import Closure, ExtraOpening, Notification, ScheduleChange, SchoolHoliday, Stop, WeeklySlot


class RecordedEditAdmin(admin.ModelAdmin):
    """Edits made here are recorded and told to subscribers, as those of /coordination/."""

    def affected_stops(self, obj):
        return editing.affected_stops(obj.stop)

    def save_model(self, request, obj, form, change):
        super_save = super().save_model
        if change:
            done = _("%(kind)s modifié(e) (administration) : %(object)s")
        else:
            done = _("%(kind)s ajouté(e) (administration) : %(object)s")
        description = done % {"kind": obj._meta.verbose_name.capitalize(), "object": obj}
        editing.edit_schedule(
            self.affected_stops(obj),
            lambda: super_save(request, obj, form, change),
            user=request.user,
            description=description,
        )

    def delete_model(self, request, obj):
        super_delete = super().delete_model
        description = _("%(kind)s supprimé(e) (administration) : %(object)s") % {
            "kind": obj._meta.verbose_name.capitalize(),
            "object": obj,
        }
        editing.edit_schedule(
            self.affected_stops(obj),
            lambda: super_delete(request, obj),
            user=request.user,
            description=description,
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Stop)
class StopAdmin(RecordedEditAdmin):
    list_display = ["name", "organisation", "city", "postcode", "kind", "school_holidays_zone", "active"]
    list_filter = ["organisation", "active", "kind", "school_holidays_zone"]
    search_fields = ["name", "city", "postcode", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # Checkboxes rather than the two-list selector, whose labels screen readers miss.
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}

    def affected_stops(self, obj):
        return [obj]


@admin.register(WeeklySlot)
class WeeklySlotAdmin(RecordedEditAdmin):
    list_display = ["stop", "weekday", "start", "end", "every_weeks", "starts_on", "ends_on"]
    list_filter = ["weekday"]
    search_fields = ["stop__name"]
    raw_id_fields = ["stop"]


@admin.register(Closure)
class ClosureAdmin(RecordedEditAdmin):
    list_display = ["reason_kind", "reason", "stop", "organisation", "first_day", "last_day"]
    list_filter = ["reason_kind"]
    date_hierarchy = "first_day"
    raw_id_fields = ["stop"]

    def affected_stops(self, obj):
        return editing.affected_stops(obj.stop, obj.organisation)


@admin.register(ExtraOpening)
class ExtraOpeningAdmin(RecordedEditAdmin):
    list_display = ["stop", "date", "start", "end", "reason"]
    date_hierarchy = "date"
    raw_id_fields = ["stop"]


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(admin.ModelAdmin):
    list_display = ["name", "zone", "first_day", "last_day", "source"]
    list_filter = ["zone", "source"]


@admin.register(ScheduleChange)
class ScheduleChangeAdmin(admin.ModelAdmin):
    list_display = ["stop", "description", "changed_by", "created_at", "dispatched_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "subscription", "state", "created_at", "sent_at", "attempts", "error"]
    list_filter = ["kind", "state"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
