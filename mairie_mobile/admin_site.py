from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class NationalAdminSite(admin.AdminSite):
    """The national administrator's (superusers only): an organisation's coordinator works in
    /coordination/, which shows their organisation alone; the admin's lists show every one."""

    site_header = _("Mairie mobile – administration nationale")
    site_title = "Mairie mobile"
    index_title = _("Administration")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser
