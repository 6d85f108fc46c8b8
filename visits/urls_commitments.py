from django.urls import path

from visits.views import coordination

app_name = "commitments"
urlpatterns = [
    path("", coordination.commitments_home, name="home"),
    path("<slug:slug>/", coordination.commitments_edit, name="edit"),
]
