from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self) -> None:
        # Importing these connects their signal receivers and registers their system checks.
        from registrations import (  # noqa: PLC0415
            certificate_checks,  # noqa: F401 (registers the system checks)
            deactivation,  # noqa: F401 (revokes sessions and links on deactivation)
            privacy_receivers,  # noqa: F401 (IP pseudonyms, unsubscribe records)
        )
