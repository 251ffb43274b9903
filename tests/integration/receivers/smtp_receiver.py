#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the notifier integration tests.

Listens on 127.0.0.1:PORT (PORT 0 picks a free one), prints the port alone on the first line of
stdout, accepts every message and appends it as one JSON line to the log file:

  {"t": <unix seconds>, "mail_from": "a@b", "rcpt_tos": ["x@y", ...],
   "content": "<the message as received, utf-8 text>"}

Needs Debian's python3-aiosmtpd (run with /usr/bin/python3). Stops on SIGTERM/SIGINT.
"""

import argparse
import asyncio
import json
import signal
import sys
import time

from aiosmtpd.smtp import SMTP


class RecordingHandler:
    def __init__(self, log):
        self.log = log

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        record = {
            "t": time.time(),
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "content": content,
        }
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()
        return "250 Message accepted for delivery"


async def serve(port, log_path):
    log = open(log_path, "a", encoding="utf-8")
    handler = RecordingHandler(log)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="localhost", ident="it-smtp-receiver"),
        host="127.0.0.1",
        port=port,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", required=True, help="JSON lines file of received messages")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
