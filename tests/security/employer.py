"""`passport` run as an employer runs it: its own process, a trust directory, nothing else."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.commands import PASSPORT


def passport_cli(
    cwd: Path, *args: str, ca_file: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`passport ARGS…` as an employer: a trust directory and, if given, the fetch CA file."""
    env = {"PATH": os.environ.get("PATH", ""), "PASSPORT_TRUST_DIR": str(cwd / "trust")}
    if ca_file is not None:
        env["PASSPORT_FETCH_CA_FILE"] = str(ca_file)
    return subprocess.run(
        [PASSPORT, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
