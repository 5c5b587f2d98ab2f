"""What the issuer tests share: the opened services on the test's store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from passport.services import Services
from passport.settings import Settings


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """The ledger's services on the test's store (SQLite file or PostgreSQL), closed after."""
    opened = Services.open(settings)
    yield opened
    opened.close()
