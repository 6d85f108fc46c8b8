from django.contrib import admin

from stops.models import Closure, ExtraOpening, SchoolHoliday, Stop, WeeklySlot


class WeeklySlotInline(admin.TabularInline):
    model = WeeklySlot
    extra = 0


@admin.register(Stop)
class StopAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "postcode", "kind", "school_holidays_zone", "active"]
    list_filter = ["active", "kind", "school_holidays_zone"]
    search_fields = ["name", "city", "postcode", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["partners"]
    inlines = [WeeklySlotInline]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "stop", "first_day", "last_day"]
    list_filter = ["stop"]
    date_hierarchy = "first_day"


@admin.register(ExtraOpening)
class ExtraOpeningAdmin(admin.ModelAdmin):
    list_display = ["stop", "date", "start", "end", "reason"]
    date_hierarchy = "date"


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(admin.ModelAdmin):
    list_display = ["name", "zone", "first_day", "last_day", "source"]
    list_filter = ["zone", "source"]
