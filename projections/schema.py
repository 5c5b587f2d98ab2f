"""The read models' tables: plain SQL that both SQLite and PostgreSQL accept."""

from projections import (
    alignments,
    catalogue,
    endorsements,
    maintenance,
    personal_data,
    programmes,
    registry,
    reviews,
    set_aside,
)
from projections.database import Transaction

SCHEMA_VERSION = 9  # raise it whenever a read model's layout changes
TABLES = (
    "rm_issuers",
    "rm_issuer_keys",
    "rm_achievements",
    "rm_learners",
    "rm_credentials",
    "rm_clients",
    "rm_merkle_nodes",
    "rm_merkle_leaves",
    "rm_set_aside",
    "rm_merkle_state",
    "rm_status_lists",
    *registry.TABLES,
    *programmes.TABLES,
    *maintenance.TABLES,
    *endorsements.TABLES,
    *reviews.TABLES,
    *alignments.TABLES,
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS rm_tracking (
        name TEXT PRIMARY KEY, position BIGINT NOT NULL)""",
    personal_data.SCHEMA,  # not a read model: never cleared, the keys are not in the log
    """CREATE TABLE IF NOT EXISTS rm_issuers (
        issuer_id TEXT PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL,
        url TEXT NOT NULL, did TEXT NOT NULL, registered_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rm_issuer_keys (
        key_id TEXT PRIMARY KEY, issuer_id TEXT NOT NULL, public_key_multibase TEXT NOT NULL,
        valid_from TEXT NOT NULL, retired_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS rm_achievements (
        achievement_id TEXT PRIMARY KEY, issuer_id TEXT NOT NULL, name TEXT NOT NULL,
        kind TEXT NOT NULL, refresher_months INTEGER, definition TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1, retired INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS rm_learners (
        learner_id TEXT PRIMARY KEY, personal TEXT NOT NULL,
        identity_hash TEXT NOT NULL, enrolled_at TEXT NOT NULL, erased_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS rm_credentials (
        credential_id TEXT PRIMARY KEY, learner_id TEXT NOT NULL, issuer_id TEXT NOT NULL,
        achievement_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
        valid_from TEXT NOT NULL, valid_until TEXT, credits DOUBLE PRECISION,
        status TEXT NOT NULL, status_reason TEXT, status_changed_at TEXT,
        credential TEXT NOT NULL, jwt TEXT NOT NULL, position BIGINT NOT NULL,
        status_list INTEGER, status_index INTEGER, status_position BIGINT)""",
    "CREATE INDEX IF NOT EXISTS rm_learners_erased ON rm_learners (erased_at)",
    "CREATE INDEX IF NOT EXISTS rm_learners_enrolled ON rm_learners (enrolled_at)",
    "CREATE INDEX IF NOT EXISTS rm_credentials_learner ON rm_credentials (learner_id)",
    """CREATE TABLE IF NOT EXISTS rm_status_allocations (
        issuer_id TEXT NOT NULL, list_no INTEGER NOT NULL, idx INTEGER NOT NULL,
        credential_id TEXT NOT NULL, PRIMARY KEY (issuer_id, list_no, idx))""",
    """CREATE TABLE IF NOT EXISTS status_list_counters (
        issuer_id TEXT PRIMARY KEY, list_no INTEGER NOT NULL, next_slot INTEGER NOT NULL,
        permutation_key TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rm_status_lists (
        issuer_id TEXT NOT NULL, purpose TEXT NOT NULL, list_no INTEGER NOT NULL,
        bits BYTEA, changed_at TEXT, PRIMARY KEY (issuer_id, purpose, list_no))""",
    """CREATE TABLE IF NOT EXISTS rm_merkle_nodes (
        level INTEGER NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL,
        PRIMARY KEY (level, idx))""",
    """CREATE TABLE IF NOT EXISTS rm_merkle_leaves (
        leaf_index BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL UNIQUE,
        aggregate_id TEXT NOT NULL, version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rm_merkle_state (
        id INTEGER PRIMARY KEY, size BIGINT NOT NULL, frontier TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS log_checkpoints (
        size BIGINT PRIMARY KEY, root TEXT NOT NULL, note TEXT NOT NULL,
        published_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rm_clients (
        client_id TEXT PRIMARY KEY, aggregate_id TEXT NOT NULL, owner TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0)""",
    set_aside.SCHEMA,
    *registry.SCHEMA,
    *programmes.SCHEMA,
    *maintenance.SCHEMA,
    *endorsements.SCHEMA,
    *reviews.SCHEMA,
    *catalogue.SCHEMA,
    *alignments.SCHEMA,
    """CREATE TABLE IF NOT EXISTS registry_versions (
        version BIGINT PRIMARY KEY, document TEXT NOT NULL, published_at TEXT NOT NULL)""",
)


def create_tables(tx: Transaction) -> None:
    """Create the read-model tables if they are not there yet.

    The read models are derived, so a store whose read models were laid out by another version
    of this code has them dropped here, and the runner rebuilds them from the log.
    """
    tx.execute(SCHEMA[0])  # rm_tracking, first
    tx.execute("CREATE TABLE IF NOT EXISTS rm_schema (version INTEGER NOT NULL)")
    rows = tx.execute("SELECT version FROM rm_schema")
    if not rows or rows[0][0] != SCHEMA_VERSION:
        for table in TABLES:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
        tx.execute("DELETE FROM rm_tracking")
        tx.execute("DELETE FROM rm_schema")
        tx.execute("INSERT INTO rm_schema (version) VALUES (?)", (SCHEMA_VERSION,))
    for statement in SCHEMA[1:]:
        tx.execute(statement)


def clear(tx: Transaction, tracking_name: str) -> None:
    """Empty every read model and rewind the tracking position, for a rebuild from zero."""
    for table in TABLES:
        tx.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are our constants
    tx.execute("UPDATE rm_tracking SET position = 0 WHERE name = ?", (tracking_name,))
