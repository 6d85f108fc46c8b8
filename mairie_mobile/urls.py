from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from mairie_mobile.api import api

urlpatterns = [
    path("", include("stops.urls")),
    path("agents/", include("visits.urls")),
    path("coordination/statistiques/", include("visits.urls_stats")),
    path("coordination/", include("stops.urls_staff")),
    path("connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
