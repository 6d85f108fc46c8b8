from django.urls import path

from organisations.views import coordination

app_name = "team"
urlpatterns = [
    path("", coordination.team, name="home"),
    path("membres/<int:pk>/retirer/", coordination.end_membership, name="end_membership"),
    path("invitations/<int:pk>/annuler/", coordination.cancel_invitation, name="cancel_invitation"),
]
