"""The language of each answer.

The public pages are in French at their historic addresses (printed on posters, sent in
SMS, in QR codes), and in English, Arabic and Simplified Chinese under a prefix (`/en/`,
`/ar/`, `/zh-hans/`). A visitor's choice is kept in Django's language cookie; on a first
visit, the browser's Accept-Language is followed. Either way, a French address asked by a
visitor who wants another language is redirected to the same page under its prefix: the
French page itself never changes with who asks, so the public cache (stops/caching.py)
keys it on its path alone.

The staff pages stay in French, the agents' working language, whatever the cookie. The
bus's kiosk, a staff address that residents answer, follows the cookie. The API follows
Accept-Language for its few words (a closure's reason).
"""

import re
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import LocalePrefixPattern, URLResolver, get_resolver, is_valid_path, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mairie_mobile.validators import RefusedInput

FRENCH = settings.LANGUAGE_CODE
# The kiosk of the bus, where residents give their opinion: a staff address.
KIOSK = re.compile(r"^/agents/arrets/[-\w]+/avis/$")


class LanguageMiddleware:
    """In place of Django's LocaleMiddleware, whose choice from the cookie would also apply
    to the staff pages and to the French addresses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        prefixed = translation.get_language_from_path(request.path_info)
        if prefixed:
            language = prefixed
        elif request.path_info.startswith("/api/"):
            language = _accepted_language(request)
        elif KIOSK.match(request.path_info):
            language = translation.get_language_from_request(request)
        else:
            language = FRENCH
        request.LANGUAGE_CODE = language
        # Only for this request: whatever this thread does next (another request's first middleware,
        # a test) is not left in this visitor's language.
        with translation.override(language):
            response = self.get_response(request)
        if not prefixed:
            # The same address answers in French or redirects, after the cookie and the browser.
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response

    def process_view(self, request, view, args, kwargs):
        target = redirect_for(request, view)
        return HttpResponseRedirect(target) if target else None


def redirect_for(request, view):
    """The address to send the visitor to when they ask for the French address of a public page
    (`view`) and want another language; None otherwise."""
    if request.method not in ("GET", "HEAD") or translation.get_language_from_path(request.path_info):
        return None
    if view not in public_views(get_resolver(getattr(request, "urlconf", None))):
        return None
    wanted = translation.get_language_from_request(request)
    if wanted == FRENCH:
        return None
    return in_language(request.get_full_path(), wanted)


def _accepted_language(request):
    for code, _quality in translation.trans_real.parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return FRENCH


@cache
def public_views(resolver):
    """The views of the pages offered in every language: those under i18n_patterns."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver) and isinstance(pattern.pattern, LocalePrefixPattern):
            return frozenset(_callbacks(pattern))
    return frozenset()


def _callbacks(resolver):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern)
        else:
            yield pattern.callback


def without_prefix(path):
    """/en/arrets/x/ → /arrets/x/."""
    prefix = translation.get_language_from_path(path)
    return path[len(prefix) + 1 :] if prefix else path


def in_language(path, language):
    """The address of the same page in `language`: /arrets/x/ → /ar/arrets/x/, and back."""
    path = without_prefix(path)
    return path if language == FRENCH else f"/{language}{path}"


def is_public(request):
    """Whether the page answered is one of the pages offered in every language; an unknown
    address (a 404) too."""
    match = request.resolver_match
    return match is None or match.func in public_views(get_resolver(getattr(request, "urlconf", None)))


@never_cache
def choose_language(request):
    """The language switcher's links: remember the choice, and show the same page in it."""
    language = request.GET.get("langue", "")
    if language not in dict(settings.LANGUAGES):
        raise RefusedInput(_("Cette langue n'est pas proposée sur ce site."))
    page = request.GET.get("page", "/")
    if not page.startswith("/") or not url_has_allowed_host_and_scheme(page, {request.get_host()}):
        page = "/"
    translated = in_language(page, language)
    with translation.override(language):  # the prefix that resolves is the language's
        offered = is_valid_path(translated.split("?")[0])
    target = translated if offered else without_prefix(page)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def languages(request):
    """Context processor: on the public pages and the kiosk, the switcher's links and the
    addresses of the page in every language (hreflang)."""
    if not is_public(request) and not KIOSK.match(request.path_info):
        return {}
    current, page = translation.get_language(), request.get_full_path()
    choices = [
        {
            "code": code,
            "name": name,
            "current": code == current,
            "switch": f"{reverse('choose_language')}?{urlencode({'langue': code, 'page': page})}",
            "address": request.build_absolute_uri(in_language(page, code)),
        }
        for code, name in settings.LANGUAGES
    ]
    return {"language_choices": choices, "alternates": is_public(request) and request.resolver_match is not None}
