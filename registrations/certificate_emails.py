"""The "your certificate is ready" email: in the registrant's language, naming only the session in
its subject, with no attachment (the PDF stays behind sign-in) and the never-ask line."""

from email.utils import make_msgid

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
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
            "certificate": certificate,
            "registration": registration,
            "session": session,
            "series": session.series,
            "when": format_time_range(session.starts_at, session.ends_at, session.timezone, language),
            "when_local": "",
            "session_url": emails.absolute_url(session.get_absolute_url()),
            "account_url": emails.absolute_url(reverse("registrations:account")),
            "certificates_url": emails.absolute_url(reverse("certificates:certificate-list")),
            "verify_url": emails.absolute_url(
                reverse("certificates:certificate-verify", kwargs={"code": certificate.grouped_code})
            ),
        }
        subject = " ".join(render_to_string("certificates/emails/issued_subject.txt", context).split())
        text = render_to_string("certificates/emails/issued_message.txt", context)
        html = render_to_string("certificates/emails/issued_message.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=emails.sender_address(registration),
        to=[emails.recipient_address(registration)],
        reply_to=[session.series.reply_to_email],
        headers={"Auto-Submitted": "auto-generated", "Message-ID": make_msgid(domain=emails._message_domain())},
    )
    message.attach_alternative(html, "text/html")
    return message


def send_certificate_email(*, certificate: Certificate) -> None:
    build_certificate_email(certificate=certificate).send()
