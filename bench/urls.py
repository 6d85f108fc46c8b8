import os

from django.http import HttpResponse
from django.urls import path

from mairie_mobile import urls as site
from mairie_mobile.urls import handler400, handler403, handler404, handler500  # noqa: F401 (the site's)


def floor(request):
    """The least a Django view can do: the framework's own cost, through every middleware."""
    return HttpResponse("ok", content_type="text/plain")


# The site's patterns themselves, not included: its language prefixes (i18n_patterns) may only be
# at the root of the URLs.
urlpatterns = [path("bench/floor/", floor), *site.urlpatterns]

if os.environ.get("BENCH_CACHE_VARIANT") == "B":  # bench/caching.py under load: see bench/settings.py
    from bench.caching import without_own_etag

    # For the life of this worker: the context is kept, or its end would undo the patches.
    VARIANT_B = without_own_etag(gzip_copy=False)
    VARIANT_B.__enter__()
