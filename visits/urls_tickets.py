from django.urls import path

from visits.views import public

app_name = "tickets"
urlpatterns = [
    path("<str:code>/", public.ticket, name="ticket"),
    path("<str:code>/etat/", public.ticket_state, name="ticket_state"),
    path("<str:code>/sms/", public.ticket_alert, name="ticket_alert"),
    path("<str:code>/avis/", public.ticket_feedback, name="ticket_feedback"),
]
