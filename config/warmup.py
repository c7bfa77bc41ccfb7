"""Work each web process would otherwise do on its first requests, done once at start-up.

A fresh process spent 0.4–0.8 s on its first request (measured with gunicorn's 5 workers):
importing every view module behind the URL configuration (allauth's MFA pulls in fido2),
building each language's reverse-URL table, importing redis-py and icalendar, loading the translation
catalogues and compiling templates. `config/wsgi.py` calls `warm_up()`; with gunicorn's
`preload_app` that happens once in the master, before it forks, so every worker starts warm and
shares those pages of memory.
Nothing here opens a database or cache connection (the forked workers must not share one).
"""

from pathlib import Path


def warm_up() -> None:
    import icalendar  # noqa: F401 (feeds and invites import it lazily: ~80 ms on a first feed)
    from django.conf import settings  # noqa: PLC0415 (called after django.setup())
    from django.conf.urls.i18n import is_language_prefix_patterns_used  # noqa: PLC0415
    from django.core.cache import caches  # noqa: PLC0415
    from django.template.loader import get_template  # noqa: PLC0415
    from django.urls import get_resolver, reverse  # noqa: PLC0415
    from django.utils import timezone, translation  # noqa: PLC0415

    from events.timefmt import format_moment  # noqa: PLC0415

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    for alias in settings.CACHES:
        getattr(caches[alias], "_cache", None)  # the Redis backend imports redis-py here (no connection yet)
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # loads the catalogue
            reverse("events:home")  # builds this language's reverse table
            format_moment(timezone.now(), "UTC", code)  # loads babel's locale data
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*")):
            if path.suffix in {".html", ".txt", ".ics", ".svg", ".xml"}:
                get_template(str(path.relative_to(directory)))
