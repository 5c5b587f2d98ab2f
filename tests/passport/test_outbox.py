"""Each newly enrolled learner is emailed their personal link, through a real SMTP server."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from passport.settings import Settings
from tests.passport.server import free_port, serving
from tests.passport.test_cli import run


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server on a loopback port, and what it received."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def test_new_learners_are_emailed_a_working_personal_link_once(settings, seeded, smtp, monkeypatch):
    """`passport outbox deliver`: one welcome per learner with an address; the link opens
    their passport; running it again sends nothing."""
    monkeypatch.setenv("PASSPORT_SMTP_ALLOW_PLAINTEXT", "true")  # a relay on this machine
    url, inbox = smtp
    mailing = settings.model_copy(update={"smtp_url": url})
    done = run(mailing, "outbox", "deliver")
    assert done.returncode == 0, done.stderr
    assert "sent 5" in done.stdout
    recipients = sorted(m["To"] for m in inbox.messages)
    assert recipients == sorted(
        f"{n.lower().replace(' ', '.')}@example.nhs.net"
        for n in ("Amira Okafor", "Daniel Hughes", "Priya Raman", "Tomasz Nowak", "Grace Mensah")
    )
    amira = next(m for m in inbox.messages if m["To"].startswith("amira"))
    text = amira.get_payload(decode=True).decode()
    link = next(w for w in text.split() if w.startswith("https://passport.test/me/"))
    with serving(settings) as base, httpx.Client(base_url=base) as http:
        page = http.get(link.removeprefix("https://passport.test"), headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Amira Okafor" in page.text

    again = run(mailing, "outbox", "deliver")
    assert "queued 0, sent 0" in again.stdout
    assert len(inbox.messages) == 5


def test_delivery_explains_a_missing_or_unreachable_server(settings: Settings, seeded):
    """No SMTP URL, or nothing listening: exit 2 with a one-line reason; nothing is lost."""
    unset = run(settings, "outbox", "deliver")
    assert unset.returncode == 2 and "PASSPORT_SMTP_URL" in unset.stderr
    nowhere = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    refused = run(nowhere, "outbox", "deliver")
    assert refused.returncode == 2 and "cannot send" in refused.stderr
    assert "Traceback" not in refused.stderr
