from django.contrib import admin

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
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at", "ended_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "organisation"]
    readonly_fields = ["created_at", "ended_at"]
