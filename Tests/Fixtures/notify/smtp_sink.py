"""An SMTP sink for the e-mail alert test (Tests/IntegrationTests/NotifyTests.swift), on PyPI's aiosmtpd.

smtp_sink.py PORT DIR SOCKET   accepts every message on 127.0.0.1:PORT and writes it to DIR/NNNN.eml (whole, then
                               renamed), sending the datagram "listening" to the Unix datagram socket SOCKET once it
                               listens and "message N" after it wrote message N.
"""
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller

port, directory, notify = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def tell(text):
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sender.sendto(text.encode(), notify)
    finally:
        sender.close()


class Sink:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        final = os.path.join(directory, "%04d.eml" % Sink.count)
        with open(final + ".tmp", "wb") as out:
            out.write(("X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            out.write(envelope.original_content or envelope.content)
        os.rename(final + ".tmp", final)
        tell("message %d" % Sink.count)
        return "250 OK"


controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
tell("listening")
threading.Event().wait()
