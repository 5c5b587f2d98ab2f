"""What a serving process runs beside requests, each job elected once across processes and hosts:
the projection follower and the checkpoint signer (see `projections.follower`)."""

from __future__ import annotations

from issuers.maintenance_keeper import TRACKING_NAME as KEEPER_JOB
from issuers.maintenance_keeper import MaintenanceKeeper
from issuers.programme_awarder import TRACKING_NAME as AWARDER_JOB
from issuers.programme_awarder import ProgrammeAwarder
from passport.log import sign_if_grown
from passport.registry import needs_publishing, published_registry
from passport.services import Services, utcnow
from passport.settings import Settings
from projections.follower import FileLease, Follower, Lease, PostgresLease
from projections.runner import TRACKING_NAME

FOLLOWER_JOB = f"follower-{TRACKING_NAME}"
SIGNER_JOB = "checkpoint-signer"
REBUILD_JOB = f"rebuild-{TRACKING_NAME}"  # one `passport projections rebuild` at a time


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
