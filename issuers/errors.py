"""Errors of the issuer API's authentication and authorisation."""


class AuthenticationError(Exception):
    """Credentials or a token did not authenticate. Deliberately says nothing of which part."""

    def __init__(self, detail: str = "authentication failed") -> None:
        super().__init__(detail)


class JobNotFoundError(LookupError):
    """No cohort job with this id for this issuer."""


class ForbiddenError(Exception):
    """The caller is authenticated but may not do this."""
