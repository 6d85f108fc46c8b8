from django.urls import path

from visits.views import public

app_name = "quality"
urlpatterns = [
    path("engagements/", public.service_commitments, name="service"),
    path("structures/<slug:slug>/engagements/", public.organisation_commitments, name="organisation"),
]
