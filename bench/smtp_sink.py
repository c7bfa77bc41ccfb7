"""A local SMTP server for the fault drills (bench/drills.py), in a process of its own so a drill can
stop it and start it again on the same port.

    python bench/smtp_sink.py --port 2525 --log received.jsonl

Accepts every message (aiosmtpd, as bench/notifications.py) and appends one JSON line per accepted
message to the log before answering 250: {"message_id", "to", "subject"}. The line is written
(line-buffered) before the 250 goes out, so a message the client saw accepted is always in the
log, even when this process is killed right after. Prints "ready" once it listens.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
from email.parser import BytesHeaderParser
from email.policy import default

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, path: str):
        self.log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (open for the process's life)
        self.parser = BytesHeaderParser(policy=default)

    async def handle_DATA(self, server, session, envelope):
        headers = self.parser.parsebytes(envelope.content)
        line = {"message_id": str(headers["Message-ID"]), "to": envelope.rcpt_tos, "subject": str(headers["Subject"])}
        self.log.write(json.dumps(line, ensure_ascii=False) + "\n")
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    asyncio.set_event_loop(asyncio.new_event_loop())
    controller = Controller(Sink(args.log), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)

    def stop(signum, frame):
        controller.stop()
        os._exit(0)  # no interpreter teardown: asyncio's transports complain when collected late

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
