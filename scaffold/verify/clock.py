"""The verifier's idea of "now": injectable so freeze windows, expiries and tests are reproducible.

Order: a time set with `frozen(...)` (the engine does this for `run_checks(now=...)`), else the `SCAFFOLD_NOW`
environment variable (an ISO-8601 date or date-time; naive means UTC), else the real clock. Always timezone-aware.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

ENVIRONMENT_VARIABLE = "SCAFFOLD_NOW"
_frozen: ContextVar[datetime | None] = ContextVar("scaffold_now", default=None)
# How many times `now()` was asked: a check that asked decides something that holds for this run only (the engine
# compares the count before and after each check; see scaffold/verify/results.py).
reads = 0


def as_utc(value: datetime | date | str) -> datetime:
    """A date (midnight UTC), a date-time (naive means UTC) or an ISO-8601 string of either, as an aware UTC time."""
    if isinstance(value, str):
        text = value.strip()
        value = (
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            if "T" in text or " " in text
            else date.fromisoformat(text)
        )
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now() -> datetime:
    global reads
    reads += 1
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    configured = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if configured:
        return as_utc(configured)
    return datetime.now(UTC)


@contextmanager
def frozen(moment: datetime | None) -> Iterator[None]:
    """Within the block, `now()` returns `moment` (unchanged behaviour when it is None)."""
    token = _frozen.set(as_utc(moment) if moment is not None else _frozen.get())
    try:
        yield
    finally:
        _frozen.reset(token)
