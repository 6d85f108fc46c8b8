from django.urls import path

from stops.views import staff

app_name = "coordination"
urlpatterns = [
    path("", staff.home, name="home"),
    path("arrets/nouveau/", staff.stop_edit, name="stop_new"),
    path("arrets/<slug:slug>/", staff.stop_schedule, name="stop"),
    path("arrets/<slug:slug>/modifier/", staff.stop_edit, name="stop_edit"),
    path("arrets/<slug:slug>/historique/", staff.history, name="history"),
    path("arrets/<slug:slug>/creneaux/nouveau/", staff.slot_edit, name="slot_new"),
    path("arrets/<slug:slug>/creneaux/<int:pk>/", staff.slot_edit, name="slot_edit"),
    path("arrets/<slug:slug>/creneaux/<int:pk>/supprimer/", staff.slot_delete, name="slot_delete"),
    path("arrets/<slug:slug>/fermetures/nouvelle/", staff.closure_edit, name="closure_new"),
    path("arrets/<slug:slug>/fermetures/<int:pk>/", staff.closure_edit, name="closure_edit"),
    path("arrets/<slug:slug>/fermetures/<int:pk>/supprimer/", staff.closure_delete, name="closure_delete"),
    path("arrets/<slug:slug>/ouvertures/nouvelle/", staff.extra_edit, name="extra_new"),
    path("arrets/<slug:slug>/ouvertures/<int:pk>/", staff.extra_edit, name="extra_edit"),
    path("arrets/<slug:slug>/ouvertures/<int:pk>/supprimer/", staff.extra_delete, name="extra_delete"),
    path("arrets/<slug:slug>/annuler/<str:day>/", staff.cancel_opening, name="cancel_opening"),
    path("fermetures/nouvelle/", staff.closure_edit, name="closure_everywhere_new"),
    path("fermetures/<int:pk>/", staff.closure_edit, name="closure_everywhere_edit"),
    path("fermetures/<int:pk>/supprimer/", staff.closure_delete, name="closure_everywhere_delete"),
]
