"""The SMTP relay learners' emails go through, reached only over verified TLS.

`smtps://` is TLS from the first byte; `smtp://` must upgrade with STARTTLS. Either way the
server's certificate must chain to the system's certificate authorities (or those of
`PASSPORT_SMTP_CA_FILE`) and name the host in the URL, before the password or any message
is sent. Clear text is refused unless `PASSPORT_SMTP_ALLOW_PLAINTEXT` says a relay on this
machine may have it. Errors never carry the password: they name the relay without it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

SMTPS_PORT = 465
SMTP_PORT = 25
TIMEOUT_SECONDS = 30


class MailRelayError(ValueError):
    """The relay cannot be used safely, or at all; the message names it without secrets."""


@dataclass(frozen=True)
class MailRelay:
    """Where mail goes: `smtp[s]://[user:password@]host[:port]`, and how it is trusted."""

    url: str
    ca_file: Path | None = None
    allow_plaintext: bool = False

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailRelayError(
                "PASSPORT_SMTP_URL must be smtp://host:port or smtps://user:password@host:port"
            )

    def __repr__(self) -> str:
        return f"MailRelay({self.name})"

    @property
    def name(self) -> str:
        """The relay's URL without its password, fit for messages and logs."""
        parts = urlsplit(self.url)
        user = f"{unquote(parts.username)}@" if parts.username else ""
        return f"{parts.scheme}://{user}{parts.hostname}:{self._port}"

    @property
    def _port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (SMTPS_PORT if parts.scheme == "smtps" else SMTP_PORT)

    def _secrets(self) -> list[str]:
        password = urlsplit(self.url).password
        return [s for s in (password, unquote(password or "")) if s]

    def scrub(self, text: str) -> str:
        """`text` with the relay's password (and its URL) taken out."""
        text = text.replace(self.url, self.name)
        for secret in self._secrets():
            text = text.replace(secret, "***")
        return text

    def connect(self) -> smtplib.SMTP:
        """A connection over verified TLS (or allowed clear text), logged in if the URL has a
        user. Raises `MailRelayError` saying what is wrong and what to do."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        try:
            context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise MailRelayError(
                f"PASSPORT_SMTP_CA_FILE {self.ca_file} is not a readable PEM file of "
                f"certificates ({type(exc).__name__})"
            ) from None
        try:
            smtp = self._open(host, context)
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
        except ssl.SSLCertVerificationError as exc:
            raise MailRelayError(
                f"the certificate of {self.name} is not trusted for {host} "
                f"({exc.verify_message}): nothing was sent; give its certificate authority "
                "in PASSPORT_SMTP_CA_FILE, or use the name its certificate is for"
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise MailRelayError(
                f"{self.name} refused the user name or password (SMTP {exc.smtp_code})"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            reason = self.scrub(str(exc) or type(exc).__name__)
            raise MailRelayError(f"cannot send through {self.name}: {reason}") from None
        return smtp

    def _open(self, host: str, context: ssl.SSLContext) -> smtplib.SMTP:
        if urlsplit(self.url).scheme == "smtps":
            return smtplib.SMTP_SSL(host, self._port, timeout=TIMEOUT_SECONDS, context=context)
        smtp = smtplib.SMTP(host, self._port, timeout=TIMEOUT_SECONDS)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        elif not self.allow_plaintext:
            smtp.close()
            raise MailRelayError(
                f"{self.name} does not offer STARTTLS, so the password and learners' links "
                "would cross the network in clear text: nothing was sent; use smtps://, a "
                "server with STARTTLS, or (for a relay on this machine only) set "
                "PASSPORT_SMTP_ALLOW_PLAINTEXT=true"
            )
        return smtp
