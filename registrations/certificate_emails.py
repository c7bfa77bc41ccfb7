"""The "your certificate is ready" email: in the registrant's language, naming only the session in
its subject, with no attachment (the PDF stays behind sign-in) and the never-ask line. Sent by the
outbox (kind "certificate", registrations/notification_emails.py)."""

from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from events.timefmt import format_time_range
from registrations import emails
from registrations.certificate_models import Certificate


def build_certificate_email(*, certificate: Certificate) -> EmailMultiAlternatives:
    registration = certificate.registration
    session = registration.session
    language = certificate.language
    with translation.override(language):
        context = {
            **emails.base_context(registration),
            # The certificate's language decides, not the registration's (they can differ).
            "when": format_time_range(session.starts_at, session.ends_at, session.timezone, language),
            "when_local": "",
            "certificate": certificate,
            "certificates_url": emails.absolute_url(reverse("certificates:certificate-list")),
            "verify_url": emails.absolute_url(
                reverse("certificates:certificate-verify", kwargs={"code": certificate.grouped_code})
            ),
        }
        subject, text, html = emails.render_parts("certificates/emails/issued", context)
    return emails.new_message(registration=registration, subject=subject, text=text, html=html)
