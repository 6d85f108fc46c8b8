from django.urls import path

from visits.views import coordination

app_name = "feedback"
urlpatterns = [
    path("", coordination.comments, name="comments"),
    path("<int:pk>/traite/", coordination.handle_comment, name="handle"),
]
