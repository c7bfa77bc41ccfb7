from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Series and sessions")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save  # noqa: PLC0415

        from events import checks  # noqa: F401, PLC0415 (registers the system checks)
        from events.context_processors import forget_series_title  # noqa: PLC0415
        from events.models import Series  # noqa: PLC0415

        # The header caches the series title; a saved or deleted series must not wait for expiry.
        post_save.connect(forget_series_title, sender=Series, dispatch_uid="forget-series-title")
        post_delete.connect(forget_series_title, sender=Series, dispatch_uid="forget-series-title-delete")

        # Production (issue 9): any change to public content makes the cached page fragments
        # stale (events/page_cache.py); the receiver only replaces a version key.
        from events.models import Session, SessionMaterial, SessionSpeaker, Speaker  # noqa: PLC0415
        from events.page_cache import bump_content_version  # noqa: PLC0415

        for model in (Series, Session, Speaker, SessionSpeaker, SessionMaterial):
            label = model._meta.label_lower
            post_save.connect(bump_content_version, sender=model, dispatch_uid=f"page-cache-save-{label}")
            post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"page-cache-delete-{label}")
