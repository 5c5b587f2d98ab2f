"""Prints throughput figures, each against a baseline measured in the same run.

- events appended per second through the ledger (signed events, use-case checks) against the
  bare `eventsourcing` application appending the same number of events to the same kind of store;
- credentials verified per second in-process (Data Integrity eddsa-jcs-2022, and vc+jwt) against
  raw Ed25519 signature verification, both as `keys.PublicKey.verify` does it (libsodium) and as
  OpenSSL (`cryptography`, which pyjwt uses for vc+jwt) does it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.store import throwaway_settings
from events.application import Ledger
from events.issuer import AchievementKind
from issuers.awarding import Learner
from keys import KeyWrapper, Pseudonyms, SigningKey
from passport.services import Services
from projections.database import SQLiteReadModels
from projections.personal_data import SqlVault

PSEUDONYMS = Pseudonyms(os.urandom(32), os.urandom(32))


class Note(Aggregate):
    """The bare baseline's aggregate: one creation event with a little text."""

    @event("Written")
    def __init__(self, text: str, author: str) -> None:
        self.text = text
        self.author = author


def _rate(count: int, work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def _sqlite_env(directory: Path, name: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(directory / f"{name}.sqlite3"),
        "CREATE_TABLE": "y",
    }


def bench_append(count: int, directory: Path) -> tuple[float, float]:
    """(bare events/s, ledger events/s), one save per event, on SQLite files."""
    bare: Application[Any] = Application(env=_sqlite_env(directory, "bare"))
    key = SigningKey.generate()
    vault = SqlVault(SQLiteReadModels(directory / "ledger.sqlite3"), KeyWrapper(os.urandom(32)))
    ledger = Ledger(
        _sqlite_env(directory, "ledger"),
        signer_id="k",
        signer=key,
        trusted={"k": key.public_key},
        vault=vault,
        pseudonyms=PSEUDONYMS,
    )

    def run_bare() -> None:
        for i in range(count):
            bare.save(Note(text=f"learner {i}", author="bench@example"))

    def run_ledger() -> None:
        for i in range(count):
            ledger.enrol_learner(f"ESR-{i}", f"learner {i}", "bench@example")

    return _rate(count, run_bare), _rate(count, run_ledger)


def bench_verify(
    count: int, directory: Path, rate: Callable[[int, Callable[[], None]], float] = _rate
) -> dict[str, float]:
    """Verifications per second: raw Ed25519, eddsa-jcs-2022 credential, vc+jwt credential
    (`rate` times the work: wall clock here, CPU time in `bench.verify_cpu`)."""
    from passport.publishing import status_list_at  # noqa: PLC0415
    from verifier import verify_credential  # noqa: PLC0415
    from verifier.checks import StatusLists  # noqa: PLC0415

    settings = throwaway_settings(directory, "verify")
    services = Services.open(settings)
    now = datetime.now(UTC)
    issuer = services.awarding.register_issuer("bench", "Bench Academy", "https://b.example", now)
    achievement = services.awarding.define_achievement(
        issuer.id, name="Bench", description="d", criteria="c", kind=AchievementKind.BADGE
    )
    award = services.awarding.award(
        issuer.id, achievement, Learner("ESR-1", "A", "a@x"), earned_on=date.today(), at=now
    )
    services.projections.catch_up()
    trust = _trust(services, now)
    lists = StatusLists(
        {
            url: document
            for entry in [award.credential["credentialStatus"]]
            if (document := status_list_at(services, url := entry["statusListCredential"]))
        },
        "the issuer's status lists, fetched once",
    )
    services.close()

    key = SigningKey.generate()
    message = b"x" * 400
    signature = key.sign(message)

    def raw() -> None:
        for _ in range(count):
            key.public_key.verify(signature, message)

    def raw_openssl() -> None:
        openssl = key.public_key.to_cryptography()
        for _ in range(count):
            openssl.verify(signature, message)

    def data_integrity() -> None:
        for _ in range(count):
            report = verify_credential(award.credential, trust=trust, now=now, status_lists=lists)
            assert report.verified

    def jwt_form() -> None:
        for _ in range(count):
            report = verify_credential(award.jwt, trust=trust, now=now, status_lists=lists)
            assert report.verified

    return {
        "raw": rate(count, raw),
        "raw openssl": rate(count, raw_openssl),
        "eddsa-jcs-2022": rate(count, data_integrity),
        "vc+jwt": rate(count, jwt_form),
    }


def _trust(services: Services, now: datetime) -> Any:
    """The deployment's own registry, as the server trusts it (issuer, keys, alignment)."""
    from passport.registry import own_trust  # noqa: PLC0415

    return own_trust(services, now)


def main() -> None:
    """Run both benchmarks and print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--verifications", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare, ledger = bench_append(args.events, Path(tmp))
        print(f"append (SQLite file, one save per event, {args.events} events)")
        print(f"  bare eventsourcing application : {bare:9.0f} events/s")
        print(f"  ledger (signed events)         : {ledger:9.0f} events/s")
        print(f"  ratio ledger / bare            : {ledger / bare:9.2f}   (aim >= 0.5)")
        rates = bench_verify(args.verifications, Path(tmp))
        print(f"verify in-process ({args.verifications} verifications each)")
        print(f"  raw Ed25519 verify, libsodium  : {rates['raw']:9.0f} /s")
        print(f"  raw Ed25519 verify, OpenSSL    : {rates['raw openssl']:9.0f} /s")
        for form in ("eddsa-jcs-2022", "vc+jwt"):
            ratio = rates[form] / rates["raw"]
            openssl = rates[form] / rates["raw openssl"]
            print(
                f"  credential, {form:<19}: {rates[form]:9.0f} /s   ratio {ratio:.2f} "
                f"(to OpenSSL {openssl:.2f}; aim >= 0.5)"
            )


if __name__ == "__main__":
    main()
