"""The verifier's errors: unusable input kept apart from credentials that fail their checks."""


class VerifierError(Exception):
    """Base of the verifier's errors."""

    def diagnostics(self) -> str:
        """A message for a person: what is wrong and what to do."""
        return str(self)


class MalformedInputError(VerifierError, ValueError):
    """The input is not something the verifier can read (not JSON, unknown format, too large)."""

    def diagnostics(self) -> str:
        return (
            f"{self}\nGive a credential (JSON or compact JWT), a presentation or a passport file."
        )


class ProofError(VerifierError):
    """A proof or signature does not hold; the message says which rule failed."""


class UnknownContextError(VerifierError):
    """A JSON-LD context URL that is not one of the bundled, pinned contexts; nothing is fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"the JSON-LD context {url!r} is not one of the bundled contexts "
            "(the verifier never fetches a context from the network)"
        )
        self.url = url

    def diagnostics(self) -> str:
        return f"{self}\nOnly credentials whose contexts are all bundled (pinned) can be checked."


class PinnedContextError(VerifierError):
    """A bundled context file is missing or differs from the SHA-256 pinned in its index."""


class CanonicalisationLimitError(ProofError):
    """RDF canonicalisation of the document would cost more than any credential needs (RDFC-1.0
    "dataset poisoning"): refused before the work is done, never left to hang."""

    DEFAULT = (
        "the credential's blank nodes cannot be told apart within the work RDF "
        "canonicalisation is allowed (a 'poison' dataset, RDFC-1.0): give its nodes ids or "
        "distinct content"
    )

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.DEFAULT)
