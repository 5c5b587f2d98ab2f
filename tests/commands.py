"""Running `passport` commands in tests: the installed command, and the environment that points
it at a test's store and keys."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from passport.settings import Settings

PASSPORT = str(Path(sys.executable).parent / "passport")


def passport_env(settings: Settings) -> dict[str, str]:
    """This process's environment with the settings naming the test's store, base URL and keys."""
    return {
        **os.environ,
        "PASSPORT_DATABASE_URL": settings.database_url,
        "PASSPORT_BASE_URL": settings.base_url,
        "PASSPORT_KEY_DIR": str(settings.key_dir),
        "PASSPORT_KEY_PASSPHRASE": settings.key_passphrase or "",
    }
