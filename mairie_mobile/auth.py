from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from organisations.models import Membership, Role


class RolesBackend(ModelBackend):
    """Django's model backend, loading the user's roles with the user in one query."""

    def get_user(self, user_id):
        User = get_user_model()
        memberships = Membership.objects.current().filter(user=OuterRef("pk"))
        try:
            user = User._default_manager.annotate(
                is_member=Exists(memberships),
                coordinates=Exists(memberships.filter(role=Role.COORDINATOR)),
            ).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def axes_username(request, credentials=None):
    """The username django-axes records for an attempt: as typed, cut to what an account's can be
    (its table would refuse a longer one, and the login would fail with an error)."""
    source = credentials if credentials else request.POST
    username = source.get("username") or ""
    return str(username).replace("\x00", "")[: get_user_model()._meta.get_field("username").max_length]
