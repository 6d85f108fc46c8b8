from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    """The least a Django view can do: the framework's own cost, through every middleware."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("mairie_mobile.urls")),
]
