from django.urls import path

from visits.views import coordination

app_name = "stats"
urlpatterns = [
    path("", coordination.statistics, name="statistics"),
    path("export.<str:fmt>", coordination.export, name="export"),
    path("france-services.<str:fmt>", coordination.france_services, name="france_services"),
]
