from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from mairie_mobile import languages, two_factor, views
from mairie_mobile.api import api

handler400 = "mairie_mobile.views.bad_request"
handler403 = "mairie_mobile.views.permission_denied"
handler404 = "mairie_mobile.views.page_not_found"
handler500 = "mairie_mobile.views.server_error"

urlpatterns = [
    # The API and the public pages first: they are what is asked most often, and every pattern
    # tried before the one that matches costs each request a little (the API's two, one prefix
    # each, cost the pages less than the pages' two dozen cost the API). The public pages in
    # every language: French at the addresses without prefix (mairie_mobile/languages.py).
    path("api/v1/docs", views.api_docs, name="api_docs"),
    path("api/v1/", api.urls),
    *i18n_patterns(
        path("", include("stops.urls")),
        path("", include("visits.urls_quality")),
        path("ticket/", include("visits.urls_tickets")),
        path("accessibilite/", views.accessibility, name="accessibility"),
        path("donnees-personnelles/", views.personal_data, name="personal_data"),
        prefix_default_language=False,
    ),
    path("langue/", languages.choose_language, name="choose_language"),
    path("agents/", include("visits.urls_agents")),
    path("coordination/statistiques/", include("visits.urls_statistics")),
    path("coordination/engagements/", include("visits.urls_commitments")),
    path("coordination/avis/", include("visits.urls_feedback")),
    path("coordination/equipe/", include("organisations.urls_team")),
    path("coordination/partenaires/", include("partners.urls_coordination")),
    path("coordination/", include("stops.urls_coordination")),
    path("invitation/", include("organisations.urls")),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("connexion/double-authentification/", two_factor.verify, name="two_factor_verify"),
    path("connexion/double-authentification/activer/", two_factor.setup, name="two_factor_setup"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    # The admin's own login would escape the rate limit and the second factor: ours serves it.
    path("admin/login/", views.LoginView.as_view(redirect_authenticated_user=False), name="admin_login"),
    path("admin/", admin.site.urls),
]
