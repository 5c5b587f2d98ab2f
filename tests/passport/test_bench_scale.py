"""`bench.scale` stays runnable without its load tool, and the records it loads are importable."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.issuance import _academy
from bench.scale import write_report
from passport.importing import Importer, ImportMapping
from passport.services import Services
from passport.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_LOCUST = "import sys; sys.modules['locust'] = None; sys.argv[0] = 'scale'; "


def _scale(*args: str) -> subprocess.CompletedProcess[str]:
    code = WITHOUT_LOCUST + f"sys.argv[1:] = {list(args)!r}; import bench.scale; bench.scale.main()"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_help_needs_no_load_tool() -> None:
    """`--help` explains the bench and its sizes even where locust is not installed."""
    done = _scale("--help")
    assert done.returncode == 0
    assert "--sizes" in done.stdout
    assert "pip install -e '.[bench]'" in done.stdout


def test_a_run_without_the_load_tool_says_how_to_install_it() -> None:
    """Without locust the bench stops at once with one line naming the extra to install."""
    done = _scale("--sizes", "1e3")
    assert done.returncode == 1
    assert done.stderr.strip() == "bench.scale needs locust: pip install -e '.[bench]'"


def test_the_generated_report_imports_without_a_refusal(settings: Settings, tmp_path: Path) -> None:
    """Every generated row passes the import's check pass: ten credentials per learner, all valid
    under a twelve-month refresher period today."""
    report = tmp_path / "report.csv"
    write_report(report, 30)
    services = Services.open(settings)
    try:
        account, achievement = _academy(services)
        mapping = ImportMapping.model_validate(
            {"courses": {"IG": {"issuer": str(account.id), "achievement": achievement}}}
        )
        importer = Importer(services, mapping)
        plan = importer.plan(report)
        assert plan.refused == []
        assert (plan.rows, plan.awards, plan.new_learners) == (30, 30, 3)
        importer.run(report, datetime.now(UTC), lambda _: None)
        services.projections.catch_up()
        learner = next(iter(services.views.learners()))[0]
        passport = services.views.passport(learner, datetime.now(UTC).date())
    finally:
        services.close()
    assert passport is not None
    statuses = [c.status for c in passport.credentials]
    assert statuses == ["valid"] * 10


def test_an_unknown_endpoint_is_refused_with_the_names_to_choose_from() -> None:
    """`--endpoints` with a name the bench does not measure stops at once, listing the names."""
    done = _scale("--endpoints", "share page (HTML),share page")
    assert done.returncode == 1
    assert "unknown endpoints ['share page']" in done.stderr
    assert "share page (JSON)" in done.stderr
