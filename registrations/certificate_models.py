"""Certificates of attendance: what was printed, under which code, and whether it still holds.

Imported into `registrations.models` (app label "registrations"). Certificates are created,
revoked and replaced only through `registrations.certificate_services` (`issue_certificate`,
`revoke_certificate`, `reissue_certificate`); each is atomic and writes an `AuditEntry`.
The database allows one valid certificate per registration.

A certificate keeps a snapshot of what its PDF says (name, title, date, minutes, language), so the
verification page shows what the employer holds in their hands even after a profile changes.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Session

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 28  # 28 characters of 5 bits: 140 random bits
CODE_GROUP = 4
_TYPO_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_certificate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str | None:
    """The stored form of a typed or linked code (any case, with or without dashes), or None."""
    code = "".join(value.split()).replace("-", "").upper().translate(_TYPO_FIXES)
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def group_code(code: str) -> str:
    """"7K4MQ2XP…" → "7K4M-Q2XP-…", the form printed and shown everywhere."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


class CertificateStorage(FileSystemStorage):
    """Stored PDFs, outside MEDIA_ROOT so no static or media route can ever serve them.

    Uses the "certificates" entry of settings.STORAGES' location when configured, else a
    `<MEDIA_ROOT>-private` folder beside MEDIA_ROOT. Downloads go through the owner-only view.
    """

    @cached_property
    def base_location(self):
        configured = settings.STORAGES.get("certificates", {}).get("OPTIONS", {}).get("location")
        if configured:
            return str(configured)
        media_root = Path(settings.MEDIA_ROOT)
        return str(media_root.with_name(f"{media_root.name}-private"))

    @cached_property
    def base_url(self):
        return None


certificate_storage = CertificateStorage()


def get_certificate_storage() -> CertificateStorage:
    return certificate_storage


def certificate_upload_to(instance: "Certificate", filename: str) -> str:
    # A random name: the code never appears in a file name (file names end up in logs).
    return f"certificates/{instance.registration.session_id}/{secrets.token_hex(16)}.pdf"


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def valid(self) -> "CertificateQuerySet":
        return self.filter(status=Certificate.Status.VALID)

    def for_account_page(self, user) -> "CertificateQuerySet":
        """The person's valid certificates, newest session first, with what the list shows."""
        return (
            self.valid()
            .filter(registration__user=user)
            .select_related("registration__session")
            .order_by("-registration__session__starts_at", "-issued_at")
        )


class Certificate(models.Model):
    """A certificate of attendance issued to one registration.

    Issued by `issue_certificate`, revoked by `revoke_certificate`, replaced (after a name
    correction) by `reissue_certificate`, all in registrations/certificate_services.py.
    """

    class Status(models.TextChoices):
        VALID = "valid", pgettext_lazy("certificate status", "Valid")
        REVOKED = "revoked", pgettext_lazy("certificate status", "Revoked")
        REPLACED = "replaced", pgettext_lazy("certificate status", "Replaced")

    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.PROTECT, related_name="certificates",
        verbose_name=_("registration"),
    )
    code = models.CharField(
        _("verification code"), max_length=CODE_LENGTH, unique=True, default=new_certificate_code, editable=False
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    # What the PDF says, as printed.
    printed_name = models.CharField(_("name as printed"), max_length=150)
    printed_title = models.CharField(_("session title as printed"), max_length=200)
    session_date = models.DateField(_("session date"))
    minutes = models.PositiveIntegerField(_("minutes attended"))
    pdf = models.FileField(
        _("PDF"), storage=get_certificate_storage, upload_to=certificate_upload_to, blank=True, editable=False
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("issued by"),
    )
    revoked_at = models.DateTimeField(_("revoked or replaced at"), null=True, blank=True)
    reason = models.CharField(_("reason for revoking or replacing"), max_length=300, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces",
        verbose_name=_("replaced by"),
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        app_label = "registrations"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"], condition=Q(status="valid"), name="one_valid_certificate_per_registration"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["valid", "revoked", "replaced"]), name="certificate_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.grouped_code

    @property
    def grouped_code(self) -> str:
        return group_code(self.code)

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID


class SessionCertificates(Session):
    """Sessions as the admin's "Attendance and certificates" section lists them (a proxy: no table).

    Gives the attendance and certificate workflow its own admin pages without touching the
    sessions admin (registrations/certificates_admin.py).
    """

    class Meta:
        proxy = True
        app_label = "registrations"
        default_permissions = ("view",)
        verbose_name = _("attendance and certificates")
        verbose_name_plural = _("attendance and certificates")
