"""RFC 8785 canonical JSON: kept in `keys`, which the ledger's event signatures and the verifier
share (see `keys.canonical`)."""

from keys.canonical import canonical_json

__all__ = ["canonical_json"]
