"""Every URL of the project, with values for its parameters: walked by the permission,
security and accessibility tests."""

import datetime
import re

from django.urls import URLPattern, URLResolver, get_resolver, reverse


def all_patterns(patterns=None, namespace="", prefix="/"):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from all_patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield namespace, prefix, pattern


def parameters(pattern):
    route = pattern.pattern
    return list(getattr(route, "converters", {})) or list(route.regex.groupindex)


def every_url(stop, visit):
    """[(name, top namespace, url)] for every pattern, its parameters filled from `stop` and `visit`."""
    values = {
        "slug": stop.slug,
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
    }
    found = []
    for namespace, prefix, pattern in all_patterns():
        kwargs = {parameter: values[parameter] for parameter in parameters(pattern)}
        if pattern.name:
            name = f"{namespace}:{pattern.name}".strip(":")
            url = reverse(name, kwargs=kwargs)
        else:  # the admin's redirects: rebuilt from the route
            name = f"{namespace}:{pattern.pattern}"
            url = prefix + re.sub(r"<(?:\w+:)?(\w+)>", lambda m, kw=kwargs: str(kw[m[1]]), str(pattern.pattern))
        found.append((name, namespace.split(":")[0], url))
    return found
