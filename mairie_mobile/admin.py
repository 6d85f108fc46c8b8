from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mairie_mobile.models import AuditEvent, AuthenticatorApp, BackupCodes


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added or changed from the admin; deleted only when `deletable`."""

    deletable = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)


class OrganisationFilter(admin.SimpleListFilter):
    """The journal's entries of one organisation (by its slug, as written), or of none."""

    title = _("structure")
    parameter_name = "organisation"
    NONE = "-"

    def lookups(self, request, model_admin):
        slugs = AuditEvent.objects.exclude(organisation="").values_list("organisation", flat=True)
        return [(self.NONE, _("Aucune (la plateforme, ou plusieurs structures)"))] + [
            (slug, slug) for slug in slugs.distinct().order_by("organisation")
        ]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(organisation="")
        if self.value():
            return queryset.filter(organisation=self.value())
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read only: the journal is added to by the app, never changed."""

    list_display = ["at", "username", "organisation", "action", "summary", "ip"]
    list_filter = ["action", OrganisationFilter]
    search_fields = ["username", "summary"]
    date_hierarchy = "at"


# Accounts: plain multiple selects rather than the two-list selector, whose labels screen
# readers miss; the dates of the last login and of the account are facts, not fields.
admin.site.unregister(User)
admin.site.unregister(Group)  # roles are memberships of an organisation


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    filter_horizontal = ()
    readonly_fields = ["last_login", "date_joined"]


# Second factors: an administrator sees who has one and removes a lost phone's (its owner
# enrols again at the next login); the secrets themselves are never shown. django-otp's
# own admin pages speak English: French proxies take their place.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(AuthenticatorApp, BackupCodes)
class DeviceAdmin(ReadOnlyAdmin):
    deletable = True
    list_display = ["owner", "label", "in_use"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = readonly_fields = ["owner", "label", "in_use"]

    @admin.display(description=_("Personne"), ordering="user__username")
    def owner(self, device):
        return device.user

    @admin.display(description=_("Nom"))
    def label(self, device):
        return device.name

    @admin.display(description=_("En service"), boolean=True, ordering="confirmed")
    def in_use(self, device):
        return device.confirmed
