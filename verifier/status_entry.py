"""W3C Bitstring Status List v1.0 §2.1–2.2: reading `statusSize`, `statusMessage` and
`statusReference` from an entry, and checking that its status list credential agrees.

A multi-bit entry commits, when the credential is issued, to what each of its values means
(`statusMessage`, one message per possible value); the list that carries the values must not say
otherwise. Anything malformed makes the status unknown, never "valid".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from verifier.content_digest import content_digest

MAX_STATUS_SIZE = 8  # 256 messages: more is refused on purpose (no issuer needs it, and the
# message list a verifier must read grows as 2 ** statusSize)
_HEX_STATUS = re.compile(r"0x[0-9a-fA-F]{1,3}")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")
# §2.1: without statusMessage, the values 1 and 0 mean "set" and "unset".
DEFAULT_MESSAGES = {0: "unset", 1: "set"}


class EntryError(ValueError):
    """An entry (or its list) that breaks a rule of §2.1/§2.2; the message names the rule."""


@dataclass(frozen=True)
class EntryShape:
    """An entry's size in bits and what each value means."""

    size: int
    messages: dict[int, str]


def entry_shape(entry: Mapping[str, Any]) -> EntryShape:
    """`statusSize` (1 when absent), the message of each value, and a checked
    `statusReference`; `EntryError` when any of them breaks the spec."""
    size = entry.get("statusSize", 1)
    if type(size) is not int or size < 1:
        raise EntryError(f"statusSize must be an integer greater than zero, not {size!r}")
    if size > MAX_STATUS_SIZE:
        raise EntryError(f"statusSize {size} is larger than the {MAX_STATUS_SIZE} bits we read")
    declared = entry.get("statusMessage")
    if declared is None:
        if size > 1:
            raise EntryError(f"statusMessage must be present when statusSize is {size} (>1)")
        messages = dict(DEFAULT_MESSAGES)
    else:
        messages = status_messages(declared, size, "statusMessage")
    _check_reference(entry.get("statusReference"))
    return EntryShape(size, messages)


def status_messages(declared: Any, size: int, name: str) -> dict[int, str]:
    """The message of each value: `declared` must list exactly one `{status, message}` for
    each of the 2 ** size values, `status` written as hexadecimal prefixed with 0x."""
    # Every credential of an issuer (and its list) declares the same messages: read once per
    # exact content, then copied. None: not plain data, read (and refused) below.
    key = content_digest(declared) if type(declared) is list else None
    if key is None:
        return _read_messages(declared, size, name)
    outcome = _messages_by_content(key, size, name, declared)
    if isinstance(outcome, str):
        raise EntryError(outcome)
    return dict(outcome)


def _messages_by_content(
    key: bytes, size: int, name: str, declared: list[Any]
) -> dict[int, str] | str:
    """`_read_messages`, remembered by content: the messages, or the error's words."""
    remembered = _MESSAGES.get((key, size, name))
    if remembered is not None:
        return remembered
    try:
        outcome: dict[int, str] | str = _read_messages(declared, size, name)
    except EntryError as exc:
        outcome = str(exc)
    with _MESSAGES_LOCK:
        if len(_MESSAGES) >= _MESSAGES_KEPT:
            _MESSAGES.clear()
        _MESSAGES[(key, size, name)] = outcome
    return outcome


_MESSAGES: dict[tuple[bytes, int, str], dict[int, str] | str] = {}
_MESSAGES_KEPT = 256
_MESSAGES_LOCK = threading.Lock()


def _read_messages(declared: Any, size: int, name: str) -> dict[int, str]:
    if not isinstance(declared, list):
        raise EntryError(f"{name} must be an array")
    if len(declared) != 2**size:
        raise EntryError(f"{name} has {len(declared)} messages; statusSize {size} needs {2**size}")
    messages: dict[int, str] = {}
    for item in declared:
        if not isinstance(item, Mapping):
            raise EntryError(f"each {name} element must be an object with status and message")
        status, message = item.get("status"), item.get("message")
        if not isinstance(status, str) or not _HEX_STATUS.fullmatch(status):
            raise EntryError(f"{name} status {status!r} is not a hexadecimal value such as 0x1")
        if not isinstance(message, str):
            raise EntryError(f"{name} {status} has no message string")
        value = int(status, 16)
        if value >= 2**size or value in messages:
            raise EntryError(f"{name} status {status} is repeated or beyond statusSize {size}")
        messages[value] = message
    return messages


def _check_reference(reference: Any) -> None:
    if reference is None:
        return
    urls = reference if isinstance(reference, list) else [reference]
    if not urls or not all(isinstance(u, str) and _URL.fullmatch(u) for u in urls):
        raise EntryError("statusReference must be a URL or an array of URLs")


def check_list_agrees(subject: Mapping[str, Any], purpose: str, shape: EntryShape) -> None:
    """The list is for the entry's purpose (one of its purposes), and where it states its
    `statusSize` and messages they are the entry's: a holder cannot make a list say "valid"
    for a value the credential said means "revoked"."""
    purposes = subject.get("statusPurpose")
    listed = purposes if isinstance(purposes, list) else [purposes]
    if purpose not in listed:
        raise EntryError(f"the status list is for {purposes!r}, the entry for {purpose!r}")
    size = subject.get("statusSize")
    if size is not None and size != shape.size:
        raise EntryError(f"the status list's statusSize {size!r} is not the entry's {shape.size}")
    # The REC names the list's property statusMessages in one place, statusMessage elsewhere.
    for name in ("statusMessage", "statusMessages"):
        declared = subject.get(name)
        if declared is not None and status_messages(declared, shape.size, name) != shape.messages:
            raise EntryError(f"the status list's {name} differs from the entry's statusMessage")
