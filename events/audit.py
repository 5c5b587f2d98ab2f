"""Re-reads the whole log in order and checks every event's signature; names the first bad one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from eventsourcing.persistence import ApplicationRecorder, Notification

from events.errors import EventSignatureError
from events.signing import open_envelope
from keys import PublicKey

PAGE = 1000


@dataclass(frozen=True)
class AuditResult:
    """How many events were checked, and the first that failed, if any."""

    checked: int
    first_failure: EventSignatureError | None
    position: int | None

    @property
    def intact(self) -> bool:
        """Whether every event's signature held."""
        return self.first_failure is None


def audit_log(
    recorder: ApplicationRecorder,
    trusted: Mapping[str, PublicKey],
    progress: Callable[[int], None] | None = None,
    observe: Callable[[Sequence[Notification]], None] | None = None,
) -> AuditResult:
    """Check each stored event's envelope, in log order, stopping at the first failure.

    `observe` is given each page of events once all their signatures hold, so a further check
    (the Merkle tree's) reads the log in the same pass."""
    checked = 0
    position = 0
    while True:
        notifications = recorder.select_notifications(
            start=position, limit=PAGE, inclusive_of_start=False
        )
        for notification in notifications:
            try:
                open_envelope(notification, trusted)
            except EventSignatureError as failure:
                return AuditResult(checked, failure, notification.id)
            checked += 1
        if observe is not None:
            observe(notifications)
        if progress is not None:
            progress(checked)
        if len(notifications) < PAGE:
            return AuditResult(checked, None, None)
        position = notifications[-1].id
