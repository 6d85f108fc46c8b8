from django.urls import path

from organisations.views import public

app_name = "organisations"
urlpatterns = [
    path("<str:token>/", public.invitation, name="invitation"),
]
