"""The mail floor: 10,000 plain EmailMessages through Django's SMTP backend to a local aiosmtpd.

    python bench/reference/mail.py 10000     prints "messages seconds"
"""

import asyncio
import socket
import sys
import time

import django
from django.conf import settings

settings.configure(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=0)
django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.core.mail import EmailMessage, get_connection  # noqa: E402


class Handler:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def main(count: int) -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    messages = [
        EmailMessage(f"Reminder {n}", "Your session starts in one hour.\n" * 10, "no-reply@decoded.example", [f"p{n}@health.example"])
        for n in range(count)
    ]
    started = time.perf_counter()
    for start in range(0, count, 100):  # one connection per 100 messages, as the outbox batches
        with get_connection(host="127.0.0.1", port=port, use_tls=False) as connection:
            connection.send_messages(messages[start : start + 100])
    print(count, time.perf_counter() - started)
    controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]))
