"""Mail to learners goes only over verified TLS, and never shows the relay's password.

Each attack stands up a real SMTP server (aiosmtpd) that would accept the password in any form
and records what it received: nothing may arrive when the server cannot prove who it is.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from passport.mail import MailRelay, MailRelayError
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import free_port
from tests.passport.test_cli import run
from tests.security.certificates import self_signed

PASSWORD = "relay-pa55word-do-not-show"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A ledger on a SQLite file: mail does not depend on the store."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'passport.sqlite3'}",
        base_url="https://passport.test",
        key_dir=tmp_path / "keys",
        key_passphrase="correct horse battery staple",
        _env_file=None,
    )


class Relay:
    """An SMTP server's handler that records every login and message it is given."""

    def __init__(self, accept_login: bool = True) -> None:
        self.logins: list[tuple[bytes, bytes]] = []
        self.messages: list[bytes] = []
        self._accept = accept_login

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        """Record the credentials, whatever the channel."""
        if isinstance(data, LoginPassword):
            self.logins.append((data.login, data.password))
        return AuthResult(success=self._accept, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message."""
        self.messages.append(envelope.content)
        return "250 OK"


StartRelay = Callable[..., tuple[int, Relay]]


@pytest.fixture
def start_relay(tmp_path: Path) -> Iterator[StartRelay]:
    """Starts SMTP servers on loopback ports: implicit TLS, STARTTLS, or neither."""
    controllers: list[Controller] = []

    def start(
        *, cert_for: str | None, implicit: bool = False, accept_login: bool = True
    ) -> tuple[int, Relay]:
        relay = Relay(accept_login)
        port = free_port()
        options: dict[str, Any] = {
            "authenticator": relay.authenticate,
            "auth_require_tls": False,  # this server would take a password in clear text
        }
        if cert_for is not None:
            cert, key = self_signed(
                tmp_path, cert_for, ip="127.0.0.1" if cert_for == "ip" else None
            )
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            options["ssl_context" if implicit else "tls_context"] = context
        controller = Controller(relay, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return port, relay

    yield start
    for controller in controllers:
        controller.stop()


def _deliver(settings: Settings, relay: MailRelay) -> None:
    services = Services.open(settings)
    try:
        services.projections.catch_up()
        services.outbox.deliver(relay, "Staff Passport <no-reply@passport.test>", datetime.now(UTC))
    finally:
        services.close()


def test_smtps_to_a_server_with_a_certificate_for_another_name_sends_nothing(
    settings, seeded, start_relay, tmp_path
):
    """`smtps://` with a self-signed certificate for another host: refused before the password
    or a single personal link is sent, even when that certificate's authority is trusted."""
    port, server = start_relay(cert_for="mail.elsewhere.example", implicit=True)
    url = f"smtps://passport:{PASSWORD}@127.0.0.1:{port}"
    with pytest.raises(MailRelayError, match="not trusted"):
        _deliver(settings, MailRelay(url))
    with pytest.raises(MailRelayError, match="not trusted") as refused:
        _deliver(settings, MailRelay(url, ca_file=tmp_path / "mail.elsewhere.example.crt"))
    assert PASSWORD not in str(refused.value)
    assert server.logins == [] and server.messages == []


def test_starttls_to_a_server_with_a_certificate_for_another_name_sends_nothing(
    settings, seeded, start_relay
):
    """`smtp://` upgrades with STARTTLS and verifies the certificate: a wrong one stops it."""
    port, server = start_relay(cert_for="mail.elsewhere.example")
    with pytest.raises(MailRelayError, match="not trusted"):
        _deliver(settings, MailRelay(f"smtp://passport:{PASSWORD}@127.0.0.1:{port}"))
    assert server.logins == [] and server.messages == []


def test_smtp_without_starttls_is_refused_unless_clear_text_is_allowed(
    settings, seeded, start_relay
):
    """A relay offering no STARTTLS gets neither password nor mail, until the operator allows
    clear text for it (a relay on this machine)."""
    port, server = start_relay(cert_for=None)
    url = f"smtp://passport:{PASSWORD}@127.0.0.1:{port}"
    with pytest.raises(MailRelayError, match="PASSPORT_SMTP_ALLOW_PLAINTEXT"):
        _deliver(settings, MailRelay(url))
    assert server.logins == [] and server.messages == []
    _deliver(settings, MailRelay(url, allow_plaintext=True))
    assert server.logins[0] == (b"passport", PASSWORD.encode())
    assert len(server.messages) == 5


def test_verified_starttls_and_smtps_deliver(settings, seeded, start_relay, tmp_path):
    """A certificate for the relay's address, from the configured authority: mail goes out."""
    port, server = start_relay(cert_for="ip")
    relay = MailRelay(f"smtp://passport:{PASSWORD}@127.0.0.1:{port}", ca_file=tmp_path / "ip.crt")
    _deliver(settings, relay)
    assert server.logins == [(b"passport", PASSWORD.encode())]
    assert len(server.messages) == 5
    assert b"https://passport.test/me/" in server.messages[0]


def test_a_failed_delivery_prints_no_password(settings, seeded, start_relay, tmp_path, monkeypatch):
    """`passport outbox deliver` against a relay that refuses the login, and one that cannot
    be trusted: one line, exit 2, and the password appears nowhere."""
    port, _ = start_relay(cert_for="ip", accept_login=False)
    monkeypatch.setenv("PASSPORT_SMTP_CA_FILE", str(tmp_path / "ip.crt"))
    refused = run(
        settings.model_copy(update={"smtp_url": f"smtp://passport:{PASSWORD}@127.0.0.1:{port}"}),
        "outbox",
        "deliver",
    )
    assert refused.returncode == 2
    assert "refused the user name or password" in refused.stderr
    assert PASSWORD not in refused.stdout + refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    untrusted_port, _ = start_relay(cert_for="mail.elsewhere.example", implicit=True)
    monkeypatch.delenv("PASSPORT_SMTP_CA_FILE")
    untrusted = run(
        settings.model_copy(
            update={"smtp_url": f"smtps://passport:{PASSWORD}@127.0.0.1:{untrusted_port}"}
        ),
        "outbox",
        "deliver",
    )
    assert untrusted.returncode == 2 and "not trusted" in untrusted.stderr
    assert PASSWORD not in untrusted.stdout + untrusted.stderr
    assert "Traceback" not in untrusted.stderr


def test_the_relay_password_stays_out_of_settings_and_relay_reprs(settings):
    """What a log line or an error would print of the configuration carries no password."""
    configured = settings.model_copy(update={"smtp_url": f"smtps://u:{PASSWORD}@mail.test"})
    relay = configured.mail_relay()
    assert relay is not None
    assert PASSWORD not in repr(configured) + repr(relay) + relay.name
    assert relay.scrub(f"failed: {configured.smtp_url}") == "failed: smtps://u@mail.test:465"
