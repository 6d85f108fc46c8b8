from django.urls import path

from stops.views import coordination

app_name = "coordination"
urlpatterns = [
    path("", coordination.home, name="home"),
    path("arrets/nouveau/", coordination.stop_edit, name="stop_new"),
    path("arrets/<slug:slug>/", coordination.stop_schedule, name="stop"),
    path("arrets/<slug:slug>/modifier/", coordination.stop_edit, name="stop_edit"),
    path("arrets/<slug:slug>/historique/", coordination.history, name="history"),
    path("arrets/<slug:slug>/creneaux/nouveau/", coordination.slot_edit, name="slot_new"),
    path("arrets/<slug:slug>/creneaux/<int:pk>/", coordination.slot_edit, name="slot_edit"),
    path("arrets/<slug:slug>/creneaux/<int:pk>/supprimer/", coordination.slot_delete, name="slot_delete"),
    path("arrets/<slug:slug>/fermetures/nouvelle/", coordination.closure_edit, name="closure_new"),
    path("arrets/<slug:slug>/fermetures/<int:pk>/", coordination.closure_edit, name="closure_edit"),
    path("arrets/<slug:slug>/fermetures/<int:pk>/supprimer/", coordination.closure_delete, name="closure_delete"),
    path("arrets/<slug:slug>/ouvertures/nouvelle/", coordination.extra_edit, name="extra_new"),
    path("arrets/<slug:slug>/ouvertures/<int:pk>/", coordination.extra_edit, name="extra_edit"),
    path("arrets/<slug:slug>/ouvertures/<int:pk>/supprimer/", coordination.extra_delete, name="extra_delete"),
    path("arrets/<slug:slug>/annuler/<str:day>/", coordination.cancel_opening, name="cancel_opening"),
    path("fermetures/nouvelle/", coordination.closure_edit, name="closure_everywhere_new"),
    path("fermetures/<int:pk>/", coordination.closure_edit, name="closure_everywhere_edit"),
    path("fermetures/<int:pk>/supprimer/", coordination.closure_delete, name="closure_everywhere_delete"),
]
