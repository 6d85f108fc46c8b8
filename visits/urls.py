from django.urls import path

from visits.views import staff

app_name = "visits"
urlpatterns = [
    path("", staff.home, name="home"),
    path("arrets/<slug:slug>/", staff.queue, name="queue"),
    path("arrets/<slug:slug>/file/", staff.queue_table, name="queue_table"),
    path("arrets/<slug:slug>/accueil/", staff.register, name="register"),
    path("arrets/<slug:slug>/suivant/", staff.take_next, name="take_next"),
    path("passages/<int:pk>/deblayage/", staff.deblayage, name="deblayage"),
    path("passages/<int:pk>/accompagnement/", staff.accompagnement, name="accompagnement"),
    path("passages/<int:pk>/corriger/", staff.correct, name="correct"),
    path("passages/<int:pk>/reprendre/", staff.take_over, name="take_over"),
    path("passages/<int:pk>/vers/<step>/", staff.move, name="move"),
    path("mes-passages/", staff.my_visits, name="my_visits"),
]
