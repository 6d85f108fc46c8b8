from django.urls import include, path

from partners.views import coordination

app_name = "partners"
# A local partner, and the procedures added to a partner (a local one, or a national one for the organisation).
partner = [
    path("", coordination.partner_edit, name="partner_edit"),
    path("demarches/nouvelle/", coordination.procedure_new, name="procedure_new"),
]
orientation_targets = [
    path("nouveau/", coordination.target_edit, name="target_new"),
    path("<int:pk>/", coordination.target_edit, name="target_edit"),
]
urlpatterns = [
    path("", coordination.home, name="home"),
    path("nouveau/", coordination.partner_edit, name="partner_new"),
    path("<int:pk>/", include(partner)),
    path("demarches/<int:pk>/", coordination.procedure_edit, name="procedure_edit"),
    path("lieux-d-orientation/", include(orientation_targets)),
]
