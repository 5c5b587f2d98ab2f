"""Securing a batch of credentials (Data Integrity proof and `vc+jwt`), here or in worker processes.

An award's credential is canonicalised and signed twice (its proof, its `vc+jwt`); for a
large import that is a third of the work, and it needs nothing but the unsigned documents and
the issuer's key. `SigningPool` shares a batch out between this process and `jobs - 1` worker
processes it starts itself at once (spawned, so they inherit no database connection or thread;
they start while the caller does other work) and gives the results back in order. The
issuer's private key travels to them as its 32 raw bytes over the pool's own pipe, with each
batch (keys rotate mid-import), and is never logged or written anywhere.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from cryptography.hazmat.primitives import serialization

from keys import SigningKey
from verifier.cryptosuites import CRYPTOSUITES
from verifier.jose import encode_vc_jwt

Unsigned = tuple[dict[str, Any], str]  # an unsecured credential, and the cryptosuite to use
Secured = tuple[dict[str, Any], str]  # the credential with its proof, and its `vc+jwt`


def secure_all(
    documents: Sequence[Unsigned], key: SigningKey, key_id: str, at: datetime
) -> list[Secured]:
    """Each credential with a proof made `at` by `key` (named `key_id`), and its `vc+jwt`."""
    return [
        (
            CRYPTOSUITES[suite].create_proof(
                document, key, key_id, created=at, proof_as_array=True
            ),
            encode_vc_jwt(document, key, key_id, issued_at=at),
        )
        for document, suite in documents
    ]


def _secure_in_worker(
    documents: Sequence[Unsigned], seed: bytes, key_id: str, at: datetime
) -> list[Secured]:
    return secure_all(documents, SigningKey.from_seed(seed), key_id, at)


class SigningPool:
    """`secure_all` shared out between this process and `jobs - 1` workers, results in order."""

    def __init__(self, jobs: int) -> None:
        if jobs < 2:
            raise ValueError("a signing pool needs at least two processes (--jobs 2 or more)")
        self.jobs = jobs
        self._executor = ProcessPoolExecutor(
            max_workers=jobs - 1, mp_context=multiprocessing.get_context("spawn")
        )
        for _ in range(jobs - 1):  # start the workers now, not at the first batch
            self._executor.submit(int)

    def secure_all(
        self, documents: Sequence[Unsigned], key: SigningKey, key_id: str, at: datetime
    ) -> list[Secured]:
        """As `secure_all`, the batch cut into one slice a worker."""
        if len(documents) < 2:
            return secure_all(documents, key, key_id, at)
        seed = key.to_cryptography().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        size = -(-len(documents) // self.jobs)
        slices = [documents[i : i + size] for i in range(0, len(documents), size)]
        futures = [
            self._executor.submit(_secure_in_worker, part, seed, key_id, at) for part in slices[1:]
        ]
        here = secure_all(slices[0], key, key_id, at)
        return here + [secured for future in futures for secured in future.result()]

    def close(self) -> None:
        """Stop the worker processes."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
