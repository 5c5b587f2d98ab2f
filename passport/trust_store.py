"""The employer's trust store: the registries they pinned, with the last copy fetched of each.

One JSON file per pinned registry key, in `PASSPORT_TRUST_DIR` (default: the user's config
directory, `$XDG_CONFIG_HOME/staff-passport/trust` or `~/.config/staff-passport/trust`):
`{fingerprint, source, lastSeenVersion, document}`. A registry is fetched only by an explicit
`passport trust add URL` or `passport verify --online`: over HTTPS, with a timeout, a size cap
and no redirects. Verification otherwise uses the stored copy, offline.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from verifier.trust import Policy, RegistryError, Trust, TrustAnchors, TrustedRegistry

MAX_REGISTRY_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10.0


class TrustStoreError(Exception):
    """A trust-store operation that cannot be done; the message says what to do."""


def trust_dir() -> Path:
    """Where pinned registries are kept."""
    configured = os.environ.get("PASSPORT_TRUST_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "staff-passport" / "trust"


@dataclass(frozen=True)
class Pinned:
    """One pinned registry: its key, where it came from, and the latest copy accepted."""

    fingerprint: str
    source: str
    registry: TrustedRegistry


def fetch_registry(url: str, ca_file: Path | None = None) -> Mapping[str, Any]:
    """A registry document from an HTTPS URL (timeout, size cap, no redirects), its server's
    certificate checked against `ca_file` (`PASSPORT_FETCH_CA_FILE`) or the system's CAs."""
    if not url.startswith("https://"):
        raise TrustStoreError(f"refusing to fetch {url}: a registry is fetched over HTTPS only")
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
    )
    try:
        with httpx.stream(
            "GET", url, timeout=TIMEOUT_SECONDS, follow_redirects=False, verify=verify
        ) as r:
            if r.status_code != 200:
                raise TrustStoreError(f"fetching {url} answered HTTP {r.status_code}")
            body = b""
            for chunk in r.iter_bytes():
                body += chunk
                if len(body) > MAX_REGISTRY_BYTES:
                    raise TrustStoreError(f"{url} is larger than {MAX_REGISTRY_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise TrustStoreError(f"cannot fetch {url}: {exc}") from None
    return _parse(body, url)


def _parse(body: bytes, where: str) -> Mapping[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise TrustStoreError(f"{where} is not JSON") from None
    if not isinstance(document, dict):
        raise TrustStoreError(f"{where} is not a JSON object")
    return document


def load_source(source: str, ca_file: Path | None = None) -> Mapping[str, Any]:
    """A registry document from a URL or a file."""
    if "://" in source:
        return fetch_registry(source, ca_file)
    path = Path(source)
    if not path.is_file():
        raise TrustStoreError(f"no such file: {source}")
    if path.stat().st_size > MAX_REGISTRY_BYTES:
        raise TrustStoreError(f"{source} is larger than {MAX_REGISTRY_BYTES} bytes")
    return _parse(path.read_bytes(), source)


class TrustStore:
    """The pinned registries in one directory."""

    def __init__(self, directory: Path | None = None, *, ca_file: Path | None = None) -> None:
        self.directory = directory or trust_dir()
        self.ca_file = ca_file

    def _path(self, fingerprint: str) -> Path:
        if not fingerprint.startswith("z") or not fingerprint.isalnum():
            raise TrustStoreError(f"{fingerprint!r} is not a key fingerprint (z6Mk…)")
        return self.directory / f"{fingerprint}.json"

    def add(self, source: str, fingerprint: str) -> Pinned:
        """Pin the registry at `source`, which must be signed by `fingerprint`."""
        fingerprint = fingerprint.removeprefix("did:key:")
        path = self._path(fingerprint)
        seen = self._read(path)
        document = load_source(source, self.ca_file)
        try:
            registry = TrustedRegistry.from_document(
                document,
                TrustAnchors.of(fingerprint),
                last_seen_version=seen.registry.version if seen else None,
            )
        except RegistryError as exc:
            raise TrustStoreError(str(exc)) from None
        self._write(path, fingerprint, source, document, registry.version)
        return Pinned(fingerprint, source, registry)

    def remove(self, fingerprint: str) -> None:
        """Stop trusting a registry key."""
        path = self._path(fingerprint.removeprefix("did:key:"))
        if not path.is_file():
            raise TrustStoreError(f"{fingerprint} is not pinned (see `passport trust list`)")
        path.unlink()

    def pinned(self) -> list[Pinned]:
        """Every pinned registry, as last accepted."""
        if not self.directory.is_dir():
            return []
        found = [self._read(p) for p in sorted(self.directory.glob("z*.json"))]
        return [p for p in found if p is not None]

    def refresh(self) -> list[str]:
        """Fetch every registry pinned from a URL again; a rollback or a bad signature keeps the
        stored copy. Returns a line per registry that could not be refreshed."""
        problems = []
        for pinned in self.pinned():
            if "://" not in pinned.source:
                continue
            try:
                self.add(pinned.source, pinned.fingerprint)
            except TrustStoreError as exc:
                problems.append(f"kept version {pinned.registry.version}: {exc}")
        return problems

    def accept_copy(self, document: Mapping[str, Any]) -> str | None:
        """Keep a registry copy that travels with a file when it is newer than the pinned copy
        of the same registry and signed by its pinned key. Returns a line for the person: what
        was kept, or why the copy was ignored (None: the copy is the one already pinned)."""
        issuer = document.get("issuer")
        signer = str(issuer).removeprefix("did:key:") if isinstance(issuer, str) else ""
        pinned = next((p for p in self.pinned() if p.fingerprint == signer), None)
        if pinned is None:
            return (
                f"warning: ignoring the registry copy in the file: it is signed by {signer or '?'}"
                ", which is not a pinned registry key"
            )
        try:
            copy = TrustedRegistry.from_document(document, TrustAnchors.of(signer))
        except RegistryError as exc:
            return f"warning: ignoring the registry copy in the file: {exc}"
        if copy.url != pinned.registry.url:
            return (
                f"warning: ignoring the registry copy in the file: it is {copy.url}, but "
                f"{signer} is pinned for {pinned.registry.url}"
            )
        if copy.version < pinned.registry.version:
            return (
                f"ignoring the registry copy in the file: version {copy.version} is older than "
                f"version {pinned.registry.version} already pinned (rollback)"
            )
        if copy.version == pinned.registry.version:
            return None
        self._write(self._path(signer), signer, pinned.source, document, copy.version)
        return (
            f"using {copy.name} version {copy.version} carried in the file (newer than version "
            f"{pinned.registry.version}); kept in the trust store"
        )

    def trust(self, policy: Policy = Policy.REGISTRY) -> Trust:
        """What `passport verify` trusts."""
        return Trust([p.registry for p in self.pinned()], policy)

    def _read(self, path: Path) -> Pinned | None:
        if not path.is_file():
            return None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            fingerprint = str(stored["fingerprint"])
            registry = TrustedRegistry.from_document(
                stored["document"],
                TrustAnchors.of(fingerprint),
                last_seen_version=int(stored["lastSeenVersion"]),
            )
        except (ValueError, KeyError, TypeError, RegistryError) as exc:
            raise TrustStoreError(
                f"the pinned registry {path} is unusable ({exc}); "
                "remove it and pin it again: passport trust remove / passport trust add"
            ) from None
        return Pinned(fingerprint, str(stored.get("source", "")), registry)

    def _write(
        self,
        path: Path,
        fingerprint: str,
        source: str,
        document: Mapping[str, Any],
        version: int,
    ) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {
            "fingerprint": fingerprint,
            "source": source,
            "lastSeenVersion": version,
            "document": document,
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
