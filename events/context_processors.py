"""What every public page's layout needs: the series name, language links, the current section.

Everything is lazy: a value costs nothing unless a template uses it. The series title is cached
(shared cache, per language) so that the header costs no query on most requests. The layout's
fixed links (`site_urls`) depend only on the language and the URL prefix, so each process reverses
them once per language rather than on every request.
"""

import functools

from django.conf import settings
from django.core.cache import cache
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_info, override

from events.models import Series

SERIES_TITLE_CACHE_SECONDS = 300
# The layout's links: {{ site_urls.<key> }} in templates/base.html.
LAYOUT_URL_NAMES = {
    "home": "events:home",
    "sessions": "events:session-list",
    "past_sessions": "events:session-past",
    "speakers": "events:speaker-list",
    "timezone": "events:timezone-pick",
    "account": "registrations:account",
    "sign_in": "account_login",
    "privacy": "privacy:notice",
}
SECTIONS = {"session": "sessions", "speaker": "speakers", "home": "home", "timezone": "timezone"}


@functools.cache
def get_layout_urls(language_code: str, script_prefix: str) -> dict[str, str]:
    """The layout's links in a language; `script_prefix` keys the cache (reverse() prepends it)."""
    with override(language_code):
        return {key: reverse(name) for key, name in LAYOUT_URL_NAMES.items()}


def series_title_key(language_code: str) -> str:
    return f"decoded:series-title:{language_code}"


def forget_series_title(**kwargs) -> None:
    """post_save/post_delete receiver for Series (connected in EventsConfig.ready)."""
    cache.delete_many([series_title_key(code) for code, _name in settings.LANGUAGES])


def get_series_title(language_code: str) -> str:
    """The first series' title in the language, from the cache when possible ("" without a series)."""
    key = series_title_key(language_code)
    title = cache.get(key)
    if title is None:
        series = Series.objects.only("title_en", "title_ru").first()
        title = series.title if series else ""
        cache.set(key, title, SERIES_TITLE_CACHE_SECONDS)
    return title


def translate_current_path(request, language_code: str) -> str:
    """This page's path in another language, as Django's `translate_url` gives it.

    Reversed from the match the request already has, rather than resolving the path once more for
    every language (a page lists every language twice: alternates in <head>, the switcher).
    """
    match = request.resolver_match
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    try:
        with override(language_code):
            return reverse(name, args=match.args, kwargs=match.kwargs)
    except NoReverseMatch:
        return request.path


def build_language_links(request) -> list[dict]:
    """One link per site language to this same page; empty when the page has no translation."""
    if request.resolver_match is None:
        return []
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        path = translate_current_path(request, code)
        info = get_language_info(code)
        links.append(
            {
                "code": code,
                "name_local": info["name_local"],
                "url": path + query,
                "absolute_url": request.build_absolute_uri(path + query),
                "is_current": code == current,
            }
        )
    return links


def build_x_default_url(request) -> str:
    """The page without a language prefix: it redirects by Accept-Language, as in the sitemap."""
    if request.resolver_match is None:
        return ""
    code = settings.LANGUAGE_CODE
    path = translate_current_path(request, code).replace(f"/{code}/", "/", 1)
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return request.build_absolute_uri(path + query)


def get_section(request) -> str:
    match = request.resolver_match
    if match is None or match.namespace != "events":
        return ""
    return SECTIONS.get(match.url_name.split("-")[0], "")


def site(request) -> dict:
    language = get_language()
    return {
        "site_series_title": SimpleLazyObject(lambda: get_series_title(language)),
        "site_urls": get_layout_urls(language, get_script_prefix()),
        # The page's full address (scheme, host, path and query): the key of the layout's memoised
        # language links, which depend only on it and the language.
        "site_page_url": SimpleLazyObject(request.build_absolute_uri),
        "site_language_links": SimpleLazyObject(lambda: build_language_links(request)),
        "site_x_default_url": SimpleLazyObject(lambda: build_x_default_url(request)),
        "site_section": SimpleLazyObject(lambda: get_section(request)),
        "viewer_timezone": getattr(request, "viewer_timezone", None),
    }
