"""Prints what Staff Passport costs as the ledger grows: request latency, rebuild, audit and import
rates and server memory at each size, on a throwaway PostgreSQL server.

For each size in `--sizes` (credentials, ten per learner) a fresh database is loaded through
`passport import` (a generated ESR report and mapping), served by `passport serve` (a real
process), and, once the server's followers have caught up with the load, each endpoint (share
page HTML and JSON, learner page, role check, `POST /credentials/verify`, inclusion proof,
checkpoint) is requested by locust, headless, at 1 and at 8 concurrent clients; p50 and p99 are
printed in milliseconds and as a ratio to a bare FastAPI endpoint served with the same uvicorn
configuration in the same run. Then the server's RSS, `passport projections rebuild` and
`passport audit` (events/s and peak memory, with the server stopped), and the slope of each
figure from the smallest size to the largest, with what 10^7 credentials would cost at that
slope. Needs the `bench` extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.importing import HEADER, PER_LEARNER
from bench.issuance import _academy
from bench.scale_figures import CLIENTS, ENDPOINTS, Latency, SizeRun
from bench.scale_report import print_size, print_slopes
from bench.serving import BIN, followers_caught_up, passport_env, serving_process
from bench.store import PASSPHRASE, throwaway_settings
from passport.publishing import passport_file
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import free_port, settled
from tests.postgres_cluster import Cluster, throwaway_cluster

SAMPLED_LEARNERS = 20
ROLE = "registered-nurse-adult"


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Seconds a `passport` command takes, process start included, and its peak resident memory
    in MB (its own high-water mark, read every 0.2 s while it runs: the kernel's figure at exit
    would also count the memory of this process, which it starts as a copy of); fails loudly if
    it fails."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors
        )
        peak = 0.0
        while True:
            with contextlib.suppress(FileNotFoundError, KeyError, ValueError):
                peak = max(peak, _rss_mb(process.pid)[1])
            try:
                process.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {message}")
    return elapsed, peak


def write_report(path: Path, rows: int) -> None:
    """`rows` completions, PER_LEARNER per learner, on distinct days of the last half year (so
    every credential is still valid under its twelve-month refresher period)."""
    today = datetime.now(UTC).date()
    with path.open("w") as out:
        out.write(HEADER)
        for n in range(rows):
            learner, k = divmod(n, PER_LEARNER)
            out.write(
                f"ESR-{learner:08d},Learner {learner},l{learner}@example.nhs.net,IG,"
                f"{today - timedelta(days=1 + 18 * k)}\n"
            )


def load_through_import(settings: Settings, directory: Path, credentials: int, base: str) -> float:
    """Import `credentials` generated records through `passport import`; credentials/s."""
    services = Services.open(settings)
    account, achievement = _academy(services)
    services.close()
    report, mapping = directory / "report.csv", directory / "mapping.json"
    write_report(report, credentials)
    mapping.write_text(
        json.dumps({"courses": {"IG": {"issuer": str(account.id), "achievement": achievement}}})
    )
    seconds, _ = _timed(
        [str(BIN / "passport"), "import", str(report), "--mapping", str(mapping)],
        passport_env(settings, base),
        directory,
    )
    return credentials / seconds


def _targets(settings: Settings, path: Path) -> None:
    """Share links, personal links and credentials of a few random learners, for the clients."""
    services = Services.open(settings)
    services.projections.catch_up()
    now = datetime.now(UTC)
    enrolled = [learner for learner, _ in services.views.learners()]
    learners = random.sample(enrolled, min(SAMPLED_LEARNERS, len(enrolled)))
    shares, links, credentials = [], [], []
    for learner in learners:
        shares.append(services.sharing.create_share(learner, now, credential_ids=None)[0])
        links.append(services.sharing.issue_learner_link(learner, now))
        exported = passport_file(services, learner, now)
        assert exported is not None, learner
        credentials.append(random.choice(exported["verifiableCredential"]))
    services.close()
    targets = {
        "role": ROLE,
        "shares": shares,
        "links": links,
        "credentials": credentials,
        "credential_ids": [c["id"] for c in credentials],
    }
    path.write_text(json.dumps(targets))


def _locust(base: str, endpoint: str, clients: int, seconds: float, targets: Path) -> Latency:
    """Run locust headless against one endpoint; its p50 and p99 (ms, unrounded)."""
    out = targets.parent / "locust.json"
    env = os.environ | {
        "SCALE_TARGETS": str(targets),
        "SCALE_ENDPOINT": endpoint,
        "SCALE_OUT": str(out),
    }
    locustfile = Path(__file__).with_name("scale_locust.py")
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host"]
    command += [base, "-u", str(clients), "-r", str(clients), "-t", f"{seconds:.0f}s"]
    command += ["--only-summary", "--loglevel", "ERROR", "--stop-timeout", "10"]
    out.unlink(missing_ok=True)
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, cwd=targets.parent, check=False
    )
    if not out.is_file():
        raise SystemExit(f"locust wrote no results: {done.stderr[-2000:]}")
    result = json.loads(out.read_text())
    times = sorted(result["ms"]) or [float("nan")]
    cuts = statistics.quantiles(times, n=100) if len(times) > 1 else times * 99
    failures = result["failures"]
    return Latency(
        statistics.median(times),
        cuts[98],
        len(result["ms"]),
        len(failures),
        failures[0] if failures else "",
    )


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def measure(
    cluster: Cluster,
    directory: Path,
    credentials: int,
    seconds: float,
    endpoints: tuple[str, ...] = ENDPOINTS,
    rebuild: bool = True,
) -> SizeRun:
    """Load, serve and measure one ledger of `credentials` credentials (the given endpoints;
    the rebuild and audit unless `rebuild` is False)."""
    run = SizeRun(credentials)
    directory.mkdir()
    settings = throwaway_settings(directory, f"scale_{credentials}", cluster)
    base = f"http://127.0.0.1:{free_port()}"
    settings = settings.model_copy(update={"base_url": base})
    run.import_rate = load_through_import(settings, directory, credentials, base)
    _serve_and_measure(settings, directory, run, seconds, endpoints)
    if rebuild:
        _rebuild_and_audit(settings, directory, run)
    return run


def measure_existing(
    settings: Settings, directory: Path, seconds: float, endpoints: tuple[str, ...], rebuild: bool
) -> SizeRun:
    """Measure a ledger loaded before (`--existing`): its rebuild first (which also brings its
    read models up to date), then the endpoints, then the audit."""
    services = Services.open(settings)
    with services.read_models.read() as tx:
        credentials = int(tx.execute("SELECT COUNT(*) FROM award_idempotency_keys")[0][0])
    services.close()
    run = SizeRun(credentials)
    if rebuild:
        run.events = _events(settings)
        env = passport_env(settings, settings.base_url)
        _rebuild(env, directory, run)
    _serve_and_measure(settings, directory, run, seconds, endpoints)
    if rebuild:
        _audit(passport_env(settings, settings.base_url), directory, run)
    return run


def _events(settings: Settings) -> int:
    services = Services.open(settings)
    events = services.ledger.recorder.max_notification_id() or 0
    services.close()
    return events


def _serve_and_measure(
    settings: Settings, directory: Path, run: SizeRun, seconds: float, endpoints: tuple[str, ...]
) -> None:
    """Serve the ledger with `passport serve` (on its base URL's port) beside the bare app and
    run locust against each endpoint at each client count; then the server's memory."""
    base = settings.base_url
    port = int(base.rsplit(":", 1)[1])
    bare_port = free_port()
    bare = f"http://127.0.0.1:{bare_port}"
    targets = directory / "targets.json"
    _targets(settings, targets)
    serve = [str(BIN / "passport"), "serve", "--port", str(port)]
    bare_serve = [sys.executable, "-m", "bench.bare_app", "--port", str(bare_port)]
    here = Path(__file__).resolve().parent.parent
    with (
        serving_process(serve, passport_env(settings, base), directory, f"{base}/healthz") as pid,
        serving_process(
            bare_serve, os.environ | {"PYTHONPATH": str(here)}, directory, f"{bare}/hello"
        ),
    ):
        run.catch_up_seconds = followers_caught_up(settings, timeout=3600)
        settled(settings, timeout=600)
        for clients in CLIENTS:
            run.latency["bare", clients] = _locust(bare, "bare", clients, seconds, targets)
            for endpoint in endpoints:
                run.latency[endpoint, clients] = _locust(base, endpoint, clients, seconds, targets)
        run.rss_mb, run.peak_rss_mb = _rss_mb(pid)
    run.events = _events(settings)


def _rebuild_and_audit(settings: Settings, directory: Path, run: SizeRun) -> None:
    """`passport projections rebuild` and `passport audit` (server stopped): events/s each."""
    env = passport_env(settings, settings.base_url)
    _rebuild(env, directory, run)
    _audit(env, directory, run)


def _rebuild(env: dict[str, str], directory: Path, run: SizeRun) -> None:
    seconds, run.rebuild_peak_mb = _timed(
        [str(BIN / "passport"), "projections", "rebuild"], env, directory
    )
    run.rebuild_rate = run.events / seconds


def _audit(env: dict[str, str], directory: Path, run: SizeRun) -> None:
    seconds, run.audit_peak_mb = _timed([str(BIN / "passport"), "audit"], env, directory)
    run.audit_rate = run.events / seconds


def main() -> None:
    """Measure every size on one throwaway PostgreSQL server and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        default="1e3,1e4",
        help="credentials per ledger, comma-separated (default 1e3,1e4; add 1e5,1e6 for NHS scale)",
    )
    parser.add_argument("--seconds", type=int, default=8, help="locust run per endpoint")
    parser.add_argument(
        "--endpoints",
        default=",".join(ENDPOINTS),
        help="which endpoints, comma-separated, by the names printed (default all)",
    )
    parser.add_argument(
        "--no-rebuild", action="store_true", help="skip the rebuild and audit (latency only)"
    )
    parser.add_argument(
        "--existing",
        metavar="DATABASE_URL",
        help="measure a ledger loaded before (by a run stopped after its import, say) instead of "
        "loading fresh ones: its rebuild, endpoints and audit; needs --key-dir and --base-url",
    )
    parser.add_argument("--key-dir", type=Path, help="the existing ledger's key folder")
    parser.add_argument("--base-url", help="the base URL the existing ledger was issued under")
    args = parser.parse_args()
    endpoints = tuple(e.strip() for e in args.endpoints.split(","))
    unknown = set(endpoints) - set(ENDPOINTS)
    if unknown:
        raise SystemExit(f"unknown endpoints {sorted(unknown)}: choose from {', '.join(ENDPOINTS)}")
    if importlib.util.find_spec("locust") is None:
        raise SystemExit("bench.scale needs locust: pip install -e '.[bench]'")
    if args.existing:
        if not (args.key_dir and args.base_url):
            raise SystemExit("--existing needs --key-dir and --base-url")
        settings = Settings(
            database_url=args.existing,
            key_dir=args.key_dir,
            key_passphrase=PASSPHRASE,
            base_url=args.base_url,
            _env_file=None,
        )
        with tempfile.TemporaryDirectory() as tmp:
            run = measure_existing(
                settings, Path(tmp), args.seconds, endpoints, not args.no_rebuild
            )
        print_size(run)
        return
    sizes = sorted(int(float(size)) for size in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as tmp, throwaway_cluster() as cluster:
        print(f"bench.scale: PostgreSQL, {PER_LEARNER} credentials per learner, {args.seconds} s")
        print(f"of locust per endpoint and client count; sizes {', '.join(map(str, sizes))}")
        runs = []
        for n in sizes:
            runs.append(
                measure(
                    cluster, Path(tmp) / str(n), n, args.seconds, endpoints, not args.no_rebuild
                )
            )
            print_size(runs[-1])
    print_slopes(runs)


if __name__ == "__main__":
    main()
