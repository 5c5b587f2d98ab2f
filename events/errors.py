"""The ledger's domain errors: one base, each error carrying the ids involved."""

from uuid import UUID


class LedgerError(Exception):
    """Base of every error the ledger's domain raises."""


class IssuerNotFoundError(LedgerError, LookupError):
    """No issuer with this id is registered."""

    def __init__(self, issuer_id: UUID | str) -> None:
        super().__init__(f"no issuer with id {issuer_id}")
        self.issuer_id = issuer_id


class IssuerAlreadyRegisteredError(LedgerError):
    """An issuer with this short name is already registered."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"an issuer named {slug!r} is already registered")
        self.slug = slug


class IssuerKeyError(LedgerError):
    """A key change the issuer's key history does not allow."""


class AchievementNotFoundError(LedgerError, LookupError):
    """The issuer has defined no achievement with this id."""

    def __init__(self, achievement_id: str) -> None:
        super().__init__(f"no achievement with id {achievement_id}")
        self.achievement_id = achievement_id


class AchievementRetiredError(LedgerError):
    """The achievement is retired: it can no longer be awarded or changed."""

    def __init__(self, achievement_id: str) -> None:
        super().__init__(f"achievement {achievement_id} is retired")
        self.achievement_id = achievement_id


class LearnerNotFoundError(LedgerError, LookupError):
    """No learner is enrolled with this id."""

    def __init__(self, learner_id: UUID | str) -> None:
        super().__init__(f"no learner with id {learner_id}")
        self.learner_id = learner_id


class LearnerErasedError(LedgerError):
    """The learner's personal data was erased: nothing new can be recorded for them."""

    def __init__(self, learner_id: UUID | str) -> None:
        super().__init__(
            f"learner {learner_id} was erased: their credentials stay verifiable, "
            "but nothing new can be issued to them"
        )
        self.learner_id = learner_id


class ClientNotFoundError(LedgerError, LookupError):
    """No API client with this id is registered."""

    def __init__(self, client_id: UUID | str) -> None:
        super().__init__(f"no API client {client_id}")
        self.client_id = client_id


class CredentialNotFoundError(LedgerError, LookupError):
    """The learner's passport holds no credential with this id."""

    def __init__(self, credential_id: str) -> None:
        super().__init__(f"no credential with id {credential_id}")
        self.credential_id = credential_id


class CredentialAlreadyIssuedError(LedgerError):
    """A credential with this id is already in the passport."""

    def __init__(self, credential_id: str) -> None:
        super().__init__(f"credential {credential_id} is already issued")
        self.credential_id = credential_id


class StatusChangeError(LedgerError):
    """A revocation, suspension or reinstatement the credential's current status forbids."""

    def __init__(self, credential_id: str, current: str, change: str) -> None:
        super().__init__(f"cannot {change} credential {credential_id}: it is {current}")
        self.credential_id = credential_id
        self.current = current
        self.change = change


class EventSignatureError(LedgerError):
    """A stored event's signature is missing, unknown or does not verify."""

    def __init__(self, aggregate_id: UUID | str, version: int, reason: str) -> None:
        super().__init__(f"event {aggregate_id} version {version}: {reason}")
        self.aggregate_id = aggregate_id
        self.version = version
        self.reason = reason


class ConcurrentChangeError(LedgerError):
    """Another writer kept changing the same aggregate; the change was not recorded."""

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(f"aggregate {aggregate_id} changed concurrently too often; try again")
        self.aggregate_id = aggregate_id


class IdempotencyKeyReusedError(LedgerError):
    """An idempotency key already recorded an award with other details (learner, achievement,
    date, credits or cryptosuite)."""

    def __init__(self, idempotency_key: str) -> None:
        super().__init__(
            f"the idempotency key {idempotency_key!r} was already used for a different award "
            "(another learner, achievement, date, credits or cryptosuite); retry with the "
            "original request, or use a new key for a new award"
        )
        self.idempotency_key = idempotency_key


class CredentialIdTakenError(LedgerError):
    """A credential with this id is already recorded (in any passport)."""

    def __init__(self, credential_id: str) -> None:
        super().__init__(
            f"a credential with id {credential_id} is already recorded; leave id out to have "
            "a new one made"
        )
        self.credential_id = credential_id
