from django.urls import path

from stops.views import agents as bus
from visits.views import agents, offline

app_name = "agents"
urlpatterns = [
    path("", agents.home, name="home"),
    path("arrets/<slug:slug>/", agents.queue, name="queue"),
    path("arrets/<slug:slug>/file/", agents.queue_table, name="queue_table"),
    path("arrets/<slug:slug>/accueil/", agents.register, name="register"),
    path("arrets/<slug:slug>/suivant/", agents.take_next, name="take_next"),
    path("arrets/<slug:slug>/avis/", agents.kiosk, name="kiosk"),
    path("arrets/<slug:slug>/bus-arrive/", bus.arrive, name="bus_arrived"),
    path("arrets/<slug:slug>/bus-repart/", bus.leave, name="bus_left"),
    path("arrets/<slug:slug>/bus-en-panne/", bus.breakdown, name="bus_breakdown"),
    path("passages/<int:pk>/ticket/", agents.ticket_slip, name="ticket_slip"),
    path("passages/<int:pk>/deblayage/", agents.deblayage, name="deblayage"),
    path("passages/<int:pk>/accompagnement/", agents.accompagnement, name="accompagnement"),
    path("passages/<int:pk>/corriger/", agents.correct, name="correct"),
    path("passages/<int:pk>/reprendre/", agents.take_over, name="take_over"),
    path("passages/<int:pk>/vers/<step>/", agents.move, name="move"),
    path("mes-passages/", agents.my_visits, name="my_visits"),
    path("arrets/<slug:slug>/hors-ligne/lettre/", offline.letter, name="offline_letter"),
    path("hors-ligne/actions/", offline.action, name="offline_action"),
    path("sw.js", offline.service_worker, name="service_worker"),
]
