"""The one way this project writes a moment: an XML Schema dateTime in UTC, seconds, `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def xsd_datetime(moment: datetime) -> str:
    """As VCDM 2.0 `validFrom`/`validUntil` and Data Integrity `created`/`expires` expect."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
