"""The learner's share form: what they filled in, checked the server's way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from passport.sharing import DEFAULT_SHARE_DAYS, MAX_SHARE_DAYS

NOTE_LENGTH = 500


@dataclass
class ShareForm:
    """The share form as the learner filled it in, with an error per field that is wrong."""

    scope: str = ""
    chosen: list[str] = field(default_factory=list)
    days: str = str(DEFAULT_SHARE_DAYS)
    note: str = ""
    show_name: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def everything(self) -> bool:
        """Whether it shares every credential, including ones earned later."""
        return self.scope == "all"

    def valid_days(self) -> int:
        """The number of days (only after `check` found no error)."""
        return int(self.days)


def read_share_form(
    held: dict[str, Any],
    scope: str | None,
    everything: str | None,
    credential: list[str] | None,
    days: str | None,
    note: str | None,
    show_name: str | None,
) -> ShareForm:
    """The form's fields checked the server's way (a browser's checks can be skipped)."""
    scope = "all" if everything else (scope or ("chosen" if credential else ""))
    form = ShareForm(
        scope=scope,
        chosen=[c for c in credential or [] if c in held],
        days=(days or str(DEFAULT_SHARE_DAYS)).strip(),
        note=(note or "").strip(),
        show_name=show_name is not None,
    )
    if scope not in ("all", "chosen"):
        form.errors["scope"] = "Choose at least one credential to share, or share them all"
    elif scope == "chosen" and not form.chosen:
        form.errors["credential"] = "Choose at least one credential to share, or share them all"
    if not re.fullmatch(r"[0-9]{1,4}", form.days) or not 1 <= int(form.days) <= MAX_SHARE_DAYS:
        form.errors["days"] = f"Enter a whole number of days from 1 to {MAX_SHARE_DAYS}"
    if len(form.note) > NOTE_LENGTH:
        form.errors["note"] = f"The note must be {NOTE_LENGTH} characters or fewer"
    return form
