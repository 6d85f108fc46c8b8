from django.urls import path, re_path

from stops.views import opendata, public

app_name = "stops"
urlpatterns = [
    path("", public.timetable, name="timetable"),
    path("calendrier.ics", public.calendar, name="calendar"),
    path("arrets/<slug:slug>/", public.stop_detail, name="stop"),
    path("arrets/<slug:slug>/facile-a-lire/", public.stop_easy_read, name="stop_easy_read"),
    path("arrets/<slug:slug>/statut/", public.stop_status, name="stop_status"),
    path("arrets/<slug:slug>/affiche/", public.stop_poster, name="stop_poster"),
    # Typed from an SMS or a poster: the last slash is optional.
    re_path(r"^a/(?P<short_code>[0-9a-zA-Z]{1,8})/?$", public.short_link, name="short_link"),
    path("arrets/<slug:slug>/calendrier.ics", public.stop_calendar, name="stop_calendar"),
    path("facile-a-lire/", public.easy_read, name="easy_read"),
    path("structures/<slug:slug>/", public.organisation, name="organisation"),
    path("structures/<slug:slug>/calendrier.ics", public.organisation_calendar, name="organisation_calendar"),
    path("donnees/", opendata.index, name="opendata"),
    path("donnees/lieux-mediation-numerique.csv", opendata.mediation_csv, name="opendata_mediation_csv"),
    path("donnees/lieux-mediation-numerique.json", opendata.mediation_json, name="opendata_mediation_json"),
    path("donnees/data-inclusion/structures.json", opendata.data_inclusion_structures, name="opendata_structures"),
    path("donnees/data-inclusion/services.json", opendata.data_inclusion_services, name="opendata_services"),
    path("donnees/arrets.geojson", opendata.stops_geojson, name="opendata_geojson"),
    path("abonnement/", public.subscribe, name="subscribe"),
    path("abonnement/confirmer/<str:token>/", public.confirm, name="confirm"),
    path("abonnement/desabonner/<str:token>/", public.unsubscribe, name="unsubscribe"),
    path("abonnement/sms/code/", public.confirm_sms, name="confirm_sms"),
    path("abonnement/sms/arreter/", public.leave_sms_number, name="leave_sms_number"),
    # The link of every SMS, short: the last slash is optional.
    re_path(r"^d/(?P<token>[0-9a-zA-Z]{1,16})/?$", public.leave_sms, name="sms_leave"),
]
