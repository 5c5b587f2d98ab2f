"""`passport import` refuses rows of erased learners, found with one read per chunk of rows."""

from __future__ import annotations

from pathlib import Path

from passport.erasure import erase_learner
from passport.services import Services
from passport.settings import Settings
from tests.passport.test_cli import run
from tests.passport.test_import import _events, _report, _row, academy

__all__ = ["academy"]  # the fixture, shared with the import tests


def test_a_row_of_an_erased_learner_is_refused_by_line_and_nothing_is_recorded(
    settings: Settings, academy: Path, tmp_path: Path
) -> None:
    """Among rows of other learners, the erased learner's row is named by its line and the
    import exits 2 having recorded nothing; the same staff number in lower case is refused too."""
    services = Services.open(settings)
    try:
        learner_id = services.ledger.enrol_learner(
            "ESR-0000002", "Gone Learner", "g@example.nhs.net"
        )
        erase_learner(services, learner_id, "operator", "right to erasure")
        services.projections.catch_up()
    finally:
        services.close()
    rows = [_row(1), _row(2), _row(3), _row(2).replace("ESR-0000002", "esr-0000002", 1)]
    report = _report(tmp_path, rows)
    before = _events(settings)
    done = run(settings, "import", str(report), "--mapping", str(academy))
    assert done.returncode == 2, done.stderr
    assert "line 3: " in done.stderr and "erased" in done.stderr
    assert "line 5: " in done.stderr
    assert "line 2:" not in done.stderr and "line 4:" not in done.stderr
    assert _events(settings) == before
