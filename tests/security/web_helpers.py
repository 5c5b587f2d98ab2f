"""What the web hardening tests share: the app served as `passport serve` serves it, a demo
learner's personal and share links, and a learner's passport file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from passport.publishing import passport_file
from passport.services import Services
from passport.settings import Settings
from passport.web.app import create_app
from passport.web.server import GuardedH11Protocol, server_config
from tests.passport.server import free_port, running, settled


@dataclass(frozen=True)
class Links:
    """A demo learner's id, and the paths of their personal link and a share of everything."""

    learner_id: str
    me: str
    share: str
    operator: tuple[str, str]


def links_for(settings: Settings, learner_id: str) -> Links:
    """A fresh personal link and share link for the learner, and operator credentials."""
    services = Services.open(settings)
    try:
        now = datetime.now(UTC)
        personal = services.sharing.issue_learner_link(learner_id, now)
        share, _ = services.sharing.create_share(learner_id, now, credential_ids=None)
        operator = services.accounts.new_operator_client()
    finally:
        services.close()
    return Links(
        learner_id, f"/me/{personal}", f"/s/{share}", (operator.client_id, operator.client_secret)
    )


def passport_file_of(settings: Settings, learner_id: str) -> dict[str, Any]:
    """The learner's passport file as they would download it, with every event applied."""
    services = Services.open(settings)
    try:
        services.projections.catch_up()
        bundle = passport_file(services, learner_id, datetime.now(UTC))
        assert bundle is not None
        return bundle
    finally:
        services.close()


@contextmanager
def served(
    settings: Settings,
    *,
    tls: tuple[Path, Path] | None = None,
    log_level: str = "warning",
    header_timeout: float | None = None,
) -> Iterator[str]:
    """Serve the app with `passport serve`'s configuration on a loopback port; its base URL."""
    port = free_port()
    config = server_config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        tls_cert=tls[0] if tls else None,
        tls_key=tls[1] if tls else None,
        log_level=log_level,
    )
    if header_timeout is not None:
        config.http = type(
            "ShortHeaderTimeout", (GuardedH11Protocol,), {"header_timeout": header_timeout}
        )
    with running(uvicorn.Server(config)):
        settled(settings)
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
