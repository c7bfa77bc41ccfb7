import io

from django.core.mail import EmailMultiAlternatives

from config.console_mail import EmailBackend


def test_console_backend_prints_the_message_as_a_person_reads_it():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject="Место подтверждено: Кибербезопасность",
        body="Здравствуйте, Айгерим!\nВаш код: 123456",
        from_email="Агентство <no-reply@decoded.example>",
        to=["Айгерим <a@health.example>"],
    )
    message.attach_alternative("<p>Здравствуйте</p>", "text/html")
    message.attach("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")

    EmailBackend(stream=stream).send_messages([message])

    printed = stream.getvalue()
    assert "Subject: Место подтверждено: Кибербезопасность" in printed
    assert "Здравствуйте, Айгерим!\nВаш код: 123456" in printed
    assert "[text/html, 32 bytes]" in printed
    assert "[text/calendar invite.ics, 30 bytes]" in printed
