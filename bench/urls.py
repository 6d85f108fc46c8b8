import os

from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    """The least a Django view can do: the framework's own cost, through every middleware."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("mairie_mobile.urls")),
]

if os.environ.get("BENCH_CACHE_VARIANT") == "B":  # bench/caching.py under load: see bench/settings.py
    from bench.caching import without_own_etag

    # For the life of this worker: the context is kept, or its end would undo the patches.
    VARIANT_B = without_own_etag(gzip_copy=False)
    VARIANT_B.__enter__()
