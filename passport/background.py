"""What a server runs beside requests, each job elected once across processes and hosts: the
projection follower, the checkpoint signer and the rest (see `projections.follower`).

`passport serve` runs them in a process of its own (`BackgroundProcess`), at a lower priority:
applying events, checking each one's signature, is CPU work that would otherwise share the web
process's interpreter with every request, and on a busy machine a cohort's signing and
recording come first while the follower's lag (`/readyz`, `/metrics`) shows how far behind it
is. An app built by `create_app` alone (tests, the library) runs them on threads of its own.
"""

from __future__ import annotations

import contextlib
import logging.config
import multiprocessing
import os
import signal
import sys
from multiprocessing.connection import Connection

from issuers.maintenance_keeper import TRACKING_NAME as KEEPER_JOB
from issuers.maintenance_keeper import MaintenanceKeeper
from issuers.programme_awarder import TRACKING_NAME as AWARDER_JOB
from issuers.programme_awarder import ProgrammeAwarder
from passport.child_process import die_with
from passport.collector import pace_collector
from passport.log import sign_if_grown
from passport.registry import needs_publishing, published_registry
from passport.services import Services, utcnow
from passport.settings import Settings
from projections.follower import FileLease, Follower, Lease, PostgresLease
from projections.runner import TRACKING_NAME

FOLLOWER_JOB = f"follower-{TRACKING_NAME}"
SIGNER_JOB = "checkpoint-signer"
REBUILD_JOB = f"rebuild-{TRACKING_NAME}"  # one `passport projections rebuild` at a time
NICENESS = 10  # the background process's; a busy machine gives requests and writes the CPU first


def lease(settings: Settings, job: str) -> Lease:
    """The lease of one job on this deployment's database (a lock file beside SQLite's)."""
    if settings.is_postgres:
        return PostgresLease(settings.postgres_conninfo(), job)
    path = settings.sqlite_path
    return FileLease(path.with_name(f"{path.name}.{job}.lock"))


def background_jobs(services: Services) -> list[Follower]:
    """The follower of the read models, the checkpoint signer and (with a relay) mail delivery,
    not yet started. With a follower, write requests wait for it (`Services.settle`)."""
    settings = services.settings
    jobs = []
    if settings.follow_interval > 0:
        services.following = True
        jobs.append(
            Follower(
                f"projection follower ({TRACKING_NAME})",
                lease(settings, FOLLOWER_JOB),
                services.projections.follow,
                settings.follow_interval,
            )
        )
        awarder = ProgrammeAwarder(
            services.ledger, services.awarding, services.read_models, services.projections, utcnow
        )
        jobs.append(  # elected too: one process awards (two would still award once)
            Follower(
                AWARDER_JOB, lease(settings, AWARDER_JOB), awarder.follow, settings.follow_interval
            )
        )
        keeper = MaintenanceKeeper(
            services.ledger, services.read_models, services.projections, utcnow
        )
        jobs.append(  # suspends awards not maintained, on the day; reinstates on catch-up
            Follower(
                KEEPER_JOB, lease(settings, KEEPER_JOB), keeper.follow, settings.follow_interval
            )
        )
    jobs.append(
        Follower(
            "checkpoint signing",
            lease(settings, SIGNER_JOB),
            lambda: _sign_what_changed(services),
            settings.checkpoint_interval,
        )
    )
    relay = settings.mail_relay()
    if relay is not None:
        sender = settings.mail_from
        jobs.append(  # elected too: two workers must not send one message twice
            Follower(
                "mail delivery",
                lease(settings, "mail-delivery"),
                lambda: bool(services.outbox.deliver(relay, sender, utcnow()).sent),
                settings.mail_interval,
            )
        )
    return jobs


def _sign_what_changed(services: Services) -> bool:
    """The signer's round: a checkpoint if the tree grew, the registry if its version moved."""
    signed = sign_if_grown(services, utcnow())
    if needs_publishing(services):
        published_registry(services, utcnow())
        signed = True
    return signed


def _run_jobs(connection: Connection, settings: Settings, parent: int) -> None:
    """The background process: runs the jobs until its parent says stop (sends None), closes
    the pipe, or dies: the rounds under way end and the leases are given up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # uvicorn ends `passport serve` on SIGTERM by raising it again once it has shut down, before
    # the server can close this process: its end then reaches us as a SIGTERM too.
    die_with(parent, signal.SIGTERM)
    pace_collector()
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    if settings.log_format == "json":
        from passport.web.server import json_log_config  # noqa: PLC0415 (uvicorn's, only here)

        logging.config.dictConfig(json_log_config())
    services = Services.open(settings)
    jobs = background_jobs(services)
    try:
        for job in jobs:
            job.start()
        with contextlib.suppress(EOFError, OSError):
            connection.recv()
    finally:
        for job in jobs:
            job.stop()  # after the round under way; each lease is given up
        services.close()


class BackgroundProcess:
    """`background_jobs` run in a process of their own on the same store, started now."""

    def __init__(self, settings: Settings) -> None:
        # Linux kills the process when the thread that starts it ends (`die_with`): start it from
        # the thread that serves.
        context = multiprocessing.get_context("spawn")  # no inherited connection or thread
        self._connection, theirs = context.Pipe()
        self._process = context.Process(
            target=_run_jobs, args=(theirs, settings, os.getpid()), name="passport-background"
        )
        self._process.start()
        theirs.close()

    def close(self) -> None:
        """Stop the jobs after the rounds under way, and wait for the process to end (close it
        with `contextlib.closing`)."""
        with contextlib.suppress(OSError):
            self._connection.send(None)
        self._connection.close()
        self._process.join(timeout=60)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
