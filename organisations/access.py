"""Who sees what: every staff view, export and API reads through these helpers.

A person sees the objects of the organisations they are a current member of, with the
role asked for (a coordinator may do everything an agent does); the national
administrator (a superuser) sees every organisation. An object of another organisation
is a 404: its existence is not revealed.
"""

from django.shortcuts import get_object_or_404

from organisations.models import Membership, Organisation


def organisations_of(user, role):
    """The organisations where `user` may act as `role`."""
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=_member_of(user, role))


def scope(queryset, user, role, path):
    """`queryset` cut to the objects of `user`'s organisations; `path` leads from its model to the organisation."""
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in": _member_of(user, role)})


def get_for(queryset, user, role, path, **lookup):
    """The object of `user`'s organisations that `lookup` names, or a 404."""
    return get_object_or_404(scope(queryset, user, role, path), **lookup)


def is_member(user, organisation_id, role):
    if user.is_superuser:
        return True
    return _member_of(user, role).filter(organisation_id=organisation_id).exists()


def _member_of(user, role):
    """A subquery: the ids of the organisations where `user` may act as `role`."""
    return Membership.objects.with_role(role).filter(user=user).values("organisation_id")
