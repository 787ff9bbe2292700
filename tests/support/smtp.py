"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class SMTPServer:
    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list:
        return self.inbox.messages

    def stop(self) -> None:
        self.controller.stop()
