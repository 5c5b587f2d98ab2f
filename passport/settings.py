"""Settings, read once from the environment and a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from psycopg.conninfo import make_conninfo
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from passport.mail import MailRelay

DEFAULT_DATABASE_URL = "sqlite:///var/passport.sqlite3"


class Settings(BaseSettings):
    """Configuration of a ledger deployment (environment variables prefixed `PASSPORT_`)."""

    model_config = SettingsConfigDict(
        env_prefix="PASSPORT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,  # the SMTP URL and passphrase are secrets
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="sqlite:///relative/path, sqlite:////absolute/path or postgresql://…",
    )
    base_url: str = Field("http://localhost:8000", description="Public URL of this ledger.")
    key_dir: Path = Field(Path("var/keys"), description="Directory of the encrypted key store.")
    key_passphrase: str | None = Field(None, description="Passphrase of the key store.", repr=False)
    roles_file: Path | None = Field(
        None, description="An organisation's own role catalogue (JSON); default: the shipped one."
    )
    recognition_file: Path | None = Field(
        None, description="Which issuers the organisation accepts for which subjects (JSON)."
    )
    smtp_url: str | None = Field(
        None,
        description="Where learners' emails go: smtp://host:port or smtps://user:password@host "
        "(unset: messages wait in the outbox).",
        repr=False,
    )
    smtp_ca_file: Path | None = Field(
        None,
        description="PEM file of the certificate authorities that may sign the SMTP server's "
        "certificate (default: the system's).",
    )
    fetch_ca_file: Path | None = Field(
        None,
        description="PEM file of the certificate authorities that may sign the certificates of "
        "recognised did:web issuers' hosts, when their DID documents are fetched (default: the "
        "system's).",
    )
    smtp_allow_plaintext: bool = Field(
        False,
        description="Allow smtp:// without STARTTLS (only for a relay on this machine): the "
        "password and learners' links then cross the network in clear text.",
    )
    mail_from: str = Field("Staff Passport <no-reply@localhost>", description="Sender of emails.")
    mail_interval: float = Field(60.0, ge=0, description="Seconds between mail deliveries.")
    verify_policy: Literal["registry", "proof-only"] = Field(
        "registry",
        description="What decides verification on this server: `registry` (issuers must be "
        "recognised by this ledger's registry) or `proof-only` (recognition is reported but "
        "does not decide; for conformance suites whose issuers are throwaway did:keys).",
    )
    checkpoint_interval: float = Field(
        3.0,
        ge=0,
        description="Maximum merge delay: while serving, a new checkpoint is signed within this "
        "many seconds of the log growing (0: only on demand, `passport log checkpoint`).",
    )
    follow_interval: float = Field(
        0.05,
        ge=0,
        description="Seconds the background follower waits before looking for new events again "
        "(0: no follower; only `catch_up` callers apply events).",
    )
    write_wait: float = Field(
        5.0,
        ge=0,
        description="Seconds a write request waits for its own event to reach the read models "
        "before answering with what it recorded.",
    )

    body_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds a client has to send a request's whole body; slower ones get 408.",
    )
    ready_max_lag: int = Field(
        1000,
        ge=0,
        description="Events the read models may be behind the log for GET /readyz to answer 200.",
    )
    metrics_token: str | None = Field(
        None,
        description="If set, GET /metrics requires `Authorization: Bearer` this token (unset: "
        "open; it holds no personal data, but restrict it at the proxy or set this).",
        repr=False,
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="`json`: `passport serve` logs one JSON object per line (tokens redacted).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                "PASSPORT_DATABASE_URL must start with sqlite:/// or postgresql:// "
                f"(got {value.split(':', 1)[0]!r})"
            )
        return value

    @field_validator("smtp_url")
    @classmethod
    def _relay_url(cls, value: str | None) -> str | None:
        if value:
            MailRelay(value)  # a MailRelayError (a ValueError) names what is wrong
        return value

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("PASSPORT_BASE_URL must be an http:// or https:// URL")
        return value.rstrip("/")

    def mail_relay(self) -> MailRelay | None:
        """The SMTP relay learners' emails go through (None: they wait in the outbox)."""
        if not self.smtp_url:
            return None
        return MailRelay(self.smtp_url, self.smtp_ca_file, self.smtp_allow_plaintext)

    @property
    def is_postgres(self) -> bool:
        """Whether the store is PostgreSQL (else the embedded SQLite file)."""
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file of the embedded store."""
        return Path(unquote(self.database_url.removeprefix("sqlite:///")))

    def postgres_conninfo(self) -> str:
        """A libpq connection string for the PostgreSQL store."""
        env = self.eventsourcing_env()
        return make_conninfo(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
        )

    def eventsourcing_env(self) -> dict[str, str]:
        """The `eventsourcing` library's settings for this store."""
        if not self.is_postgres:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        url = urlsplit(self.database_url)
        query = dict(p.split("=", 1) for p in url.query.split("&") if "=" in p)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")),
            "POSTGRES_HOST": unquote(query.get("host", url.hostname or "localhost")),
            "POSTGRES_PORT": str(url.port or query.get("port", 5432)),
            "POSTGRES_USER": unquote(url.username or ""),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            # Off: a ping is one more round trip each time the ledger takes a pooled connection
            # (+0.1 ms a use, measured on loopback), and it is not what survives a restarted
            # server: eventsourcing retries each recorder call on a lost connection (10 tries,
            # 0.2 s apart), so reads and writes right after `pg_ctl restart` succeeded with the
            # ping off as with it on.
            "POSTGRES_PRE_PING": "n",
        }
