"""Every URL of the project, with values for its parameters: walked by the permission,
security and accessibility tests."""

import datetime
import re
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from stops import links


def all_patterns(patterns=None, namespace="", prefix="/"):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from all_patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield namespace, prefix, pattern


# A parameter of a route: <slug:slug>, <pk>.
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def parameters(prefix, pattern):
    """The parameters of `pattern`, and of the routes that include it (`prefix`)."""
    route = pattern.pattern
    own = list(getattr(route, "converters", {})) or list(route.regex.groupindex)
    return [*ROUTE_PARAMETER.findall(prefix), *own]


def every_url(stop, visit):
    """[(name, top namespace, url)] for every pattern, its parameters filled from `stop` and `visit`."""
    return [
        (name, namespace, url_of(prefix, pattern, kwargs))
        for name, namespace, prefix, pattern, kwargs in every_route(stop, visit)
    ]


def every_route(stop, visit):
    """[(name, top namespace, prefix, pattern, valid parameters)] for every pattern of the project."""
    values = {
        "slug": stop.slug,
        "short_code": links.code(stop.pk),
        "pk": visit.pk,
        "step": "parti",
        "object_id": str(visit.pk),
        "id": str(visit.pk),
        "app_label": "visits",
        "content_type_id": "1",
        "url": "inexistant/",
        "token": "jeton-inconnu",
        "fmt": "csv",
        "day": (datetime.date.today() + datetime.timedelta(days=1)).isoformat(),
        "code": visit.ticket_code or "code-inconnu",
    }
    found = []
    # The pages of an organisation name it by its slug.
    of_organisation = {"quality:organisation", "commitments:edit"}
    for namespace, prefix, pattern in all_patterns():
        kwargs = {parameter: values[parameter] for parameter in parameters(prefix, pattern)}
        if f"{namespace}:{pattern.name}" in of_organisation:
            kwargs["slug"] = stop.organisation.slug
        name = f"{namespace}:{pattern.name or pattern.pattern}".strip(":")
        found.append((name, namespace.split(":")[0], prefix, pattern, kwargs))
    return found


def url_of(prefix, pattern, kwargs):
    """The URL of `pattern` with these parameters, whether its converters accept them or not:
    its route (or its regular expression, whose groups hold no parenthesis here) filled in."""

    def value(match):
        return quote(str(kwargs[match[1]]), safe="/")

    prefix = ROUTE_PARAMETER.sub(value, prefix)
    if isinstance(pattern.pattern, RoutePattern):
        return prefix + ROUTE_PARAMETER.sub(value, str(pattern.pattern))
    return prefix + re.sub(r"\(\?P<(\w+)>[^)]*\)", value, pattern.pattern.regex.pattern.lstrip("^").rstrip("$"))
