"""Wires the parts together for one deployment: key store, ledger, read models, use cases."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Self

from events.application import Ledger
from issuers.accounts import Accounts
from issuers.auth import AccessTokens
from issuers.awarding import Awarding
from issuers.claim_backfill import backfill_claims
from issuers.jobs import CohortRunner, JobStore
from keys import KeyStore, KeyWrapper, Pseudonyms, PublicKey
from keys.pseudonyms import IDENTITY_HASH_PURPOSE, LEARNER_ID_PURPOSE
from passport.compliance import (
    Catalogue,
    Recognition,
    default_catalogue,
    default_recognition,
    load_catalogue,
    load_recognition,
)
from passport.immutability import (
    owns_schema,
    protect_event_store,
    serialise_inserts_without_table_lock,
)
from passport.outbox import Outbox
from passport.schema_setup import schema_setup
from passport.settings import Settings
from passport.sharing import Sharing
from passport.writer_process import cohort_writers
from projections.database import PostgresReadModels, ReadModelDatabase, SQLiteReadModels
from projections.idempotency import IdempotencyKeys
from projections.personal_data import SqlVault
from projections.runner import ProjectionRunner
from projections.status_lists import StatusIndexes
from projections.views import Views

LEDGER_ROLE = "ledger"
REGISTRY_ROLE = "registry"  # signs the issuer registry this ledger publishes
TOKEN_ROLE = "access-tokens"  # noqa: S105 - a key role name
PERSONAL_DATA_ROLE = "personal-data"  # its key derives the key that wraps learners' data keys
DATA_KEY_PURPOSE = b"staff-passport/learner-data-keys/v1"
PSEUDONYM_ROLE = "pseudonyms"  # its first key keys learner ids and identity hashes, for ever


def utcnow() -> datetime:
    """The one clock read of the composition root; everything below takes the time as input."""
    return datetime.now(UTC)


def open_read_models(settings: Settings) -> ReadModelDatabase:
    """The configured database, for the read models and the vault of learners' data keys."""
    if settings.is_postgres:
        return PostgresReadModels(settings.postgres_conninfo())
    return SQLiteReadModels(settings.sqlite_path)


def open_pseudonyms(key_store: KeyStore) -> Pseudonyms:
    """The ledger's pseudonym secrets, derived from the first key of their role: rotating the
    role would give every learner a new id, so the first key is used for ever."""
    key = key_store.signer(key_store.first_for_role(PSEUDONYM_ROLE))
    return Pseudonyms(
        key.derive_secret(LEARNER_ID_PURPOSE), key.derive_secret(IDENTITY_HASH_PURPOSE)
    )


@dataclass
class Services:
    """Everything a command or a request needs, built once."""

    settings: Settings
    key_store: KeyStore
    ledger: Ledger
    read_models: ReadModelDatabase
    projections: ProjectionRunner
    views: Views
    awarding: Awarding
    accounts: Accounts
    status_indexes: StatusIndexes
    jobs: JobStore
    cohorts: CohortRunner
    tokens: AccessTokens
    sharing: Sharing
    outbox: Outbox
    catalogue: Catalogue
    recognition: Recognition
    following: bool = False  # a background follower serves this process (see `settle`)

    @classmethod
    def open(cls, settings: Settings) -> Self:
        """Open the configured store (creating its tables) and the key store."""
        key_store = KeyStore(settings.key_dir, settings.key_passphrase)
        catalogue = load_catalogue(settings.roles_file) if settings.roles_file else None
        catalogue = catalogue or default_catalogue()
        recognition = (
            load_recognition(settings.recognition_file, catalogue)
            if settings.recognition_file
            else default_recognition()
        )
        # A restricted role leaves the tables as their owner made them; processes opening
        # together set the schema up one at a time, and once set up no one runs DDL again.
        with schema_setup(settings, owner=owns_schema(settings)) as manage:
            read_models = open_read_models(settings)
            data_key_role = key_store.signer(key_store.current_for_role(PERSONAL_DATA_ROLE))
            vault = SqlVault(
                read_models,
                KeyWrapper(data_key_role.derive_secret(DATA_KEY_PURPOSE)),
                create=manage,
            )
            signer_id = key_store.current_for_role(LEDGER_ROLE)
            key_store.current_for_role(REGISTRY_ROLE)  # made here, once, not by a racing request
            trusted = {
                kid: PublicKey.from_multibase(kid) for kid in key_store.role_keys(LEDGER_ROLE)
            }
            ledger = Ledger(
                settings.eventsourcing_env() | {"CREATE_TABLE": "y" if manage else "n"},
                signer_id=signer_id,
                signer=key_store.signer(signer_id),
                trusted=trusted,
                vault=vault,
                pseudonyms=open_pseudonyms(key_store),
            )
            serialise_inserts_without_table_lock(ledger.recorder)
            if manage:
                protect_event_store(settings)
            status_indexes = StatusIndexes(read_models, secrets.SystemRandom().randrange)
            projections = ProjectionRunner(ledger, read_models, create=manage)
            views = Views(read_models, vault)
            awarding = Awarding(
                ledger,
                key_store,
                settings.base_url,
                status_indexes,
                IdempotencyKeys(read_models, create=manage),
                read_models,
            )
            if manage:  # once per store, finished before the store is marked set up
                backfill_claims(ledger, read_models)
            jobs = JobStore(read_models, create=manage)
            sharing = Sharing(read_models, vault, create=manage)
            outbox = Outbox(read_models, vault, sharing, settings.base_url, create=manage)
        token_key = key_store.current_for_role(TOKEN_ROLE)
        tokens = AccessTokens(
            token_key,
            key_store.signer(token_key),
            {kid: PublicKey.from_multibase(kid) for kid in key_store.role_keys(TOKEN_ROLE)},
            audience=settings.base_url,
        )
        return cls(
            settings=settings,
            key_store=key_store,
            ledger=ledger,
            read_models=read_models,
            projections=projections,
            status_indexes=status_indexes,
            jobs=jobs,
            cohorts=CohortRunner(awarding, jobs, cohort_writers(settings)),
            views=views,
            awarding=awarding,
            accounts=Accounts(ledger, awarding),
            tokens=tokens,
            sharing=sharing,
            outbox=outbox,
            catalogue=catalogue,
            recognition=recognition,
        )

    def settle(self) -> bool:
        """Make the read models reflect what this thread just recorded, before answering with
        them. While serving, wait (polling the tracked position, no lock) for the follower to
        apply this thread's own last event, at most `write_wait` seconds: False if it has not.
        Elsewhere (CLI, library) apply the recorded events now."""
        if not self.following:
            self.projections.catch_up()
            return True
        return self.projections.wait_for(self.ledger.recorded_position(), self.settings.write_wait)

    def refresh(self) -> None:
        """Before a read: outside a server (CLI, library) apply what was recorded; in a server
        nothing, since reads answer from what the follower has committed and never wait."""
        if not self.following:
            self.projections.catch_up()

    def erased_staff(self) -> Callable[[str], bool]:
        """Whether the learner of a staff identifier (by keyed or legacy id) was erased."""
        return lambda staff: self.views.any_erased(self.ledger.candidate_ids(staff))

    def erased_among(self, staff: Collection[str]) -> set[str]:
        """Which of these staff identifiers' learners were erased, in one read for the lot."""
        candidates = {s: self.ledger.candidate_ids(s) for s in staff}
        erased = self.views.erased_among([c for pair in candidates.values() for c in pair])
        return {s for s, pair in candidates.items() if erased.intersection(pair)}

    def close(self) -> None:
        """Release database connections."""
        self.read_models.close()
        self.ledger.close()
