from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organisations.models import Membership, Organisation


class MembershipInline(admin.StackedInline):  # a table of inputs would have no labels
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at", "ended_at"]
    # A membership ends from its organisation's team page, which keeps it in the journal.
    readonly_fields = ["created_at", "ended_at"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """The national administrator creates each organisation and gives it its first coordinator."""

    list_display = ["name", "slug", "kind", "departement", "active"]
    list_filter = ["active", "kind", "departement"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "kind",
                    "departement",
                    "siret",
                    "contact_email",
                    "contact_phone",
                    "sender_name",
                    "sms_monthly_budget",
                    "school_holidays_zone",
                    "active",
                ]
            },
        ),
        (
            _("Relecture des pages « Facile à lire »"),
            {
                "fields": ["easy_read_checked_on", "easy_read_checked_by"],
                "description": _(
                    "Quand des personnes en situation de handicap intellectuel ont relu les pages faciles à lire "
                    "de ses arrêts, ces pages le disent. Sans relecture, elles disent qu'elles n'ont pas été relues."
                ),
            },
        ),
    ]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at", "ended_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "organisation"]
    readonly_fields = ["created_at", "ended_at"]
