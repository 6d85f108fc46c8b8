from django.urls import path

from stops.views import public

app_name = "stops"
urlpatterns = [
    path("", public.timetable, name="timetable"),
    path("calendrier.ics", public.calendar, name="calendar"),
    path("arrets/<slug:slug>/", public.stop_detail, name="stop"),
    path("arrets/<slug:slug>/statut/", public.stop_status, name="stop_status"),
    path("arrets/<slug:slug>/calendrier.ics", public.stop_calendar, name="stop_calendar"),
    path("structures/<slug:slug>/", public.organisation, name="organisation"),
    path("structures/<slug:slug>/calendrier.ics", public.organisation_calendar, name="organisation_calendar"),
    path("abonnement/", public.subscribe, name="subscribe"),
    path("abonnement/confirmer/<str:token>/", public.confirm, name="confirm"),
    path("abonnement/desabonner/<str:token>/", public.unsubscribe, name="unsubscribe"),
]
