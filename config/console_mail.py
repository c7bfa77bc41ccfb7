"""The development email backend: each message as a person would read it, on the console.

Django's console backend prints the raw MIME message, where Cyrillic text is base64 and subjects
are encoded words. This one prints the decoded headers, the plain-text part, and one line per
other part (HTML, calendar invite, attachments) with its type and size.
"""

import email
import email.policy

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted", "List-Unsubscribe")


class EmailBackend(ConsoleEmailBackend):
    def write_message(self, message):
        parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
        lines = [f"{name}: {parsed[name]}" for name in HEADERS if parsed[name]]
        text = parsed.get_body(preferencelist=("plain",))
        lines += ["", text.get_content().rstrip() if text is not None else "(no text part)", ""]
        for part in parsed.walk():
            if part.is_multipart() or part is text:
                continue
            name = part.get_filename()
            size = len(part.get_payload(decode=True) or b"")
            lines.append(f"[{part.get_content_type()}{f' {name}' if name else ''}, {size} bytes]")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79 + "\n")
