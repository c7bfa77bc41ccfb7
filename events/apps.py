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
