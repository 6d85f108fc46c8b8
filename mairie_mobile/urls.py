from django.contrib import admin
from django.urls import include, path

from mairie_mobile.api import api

urlpatterns = [
    path("", include("stops.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
