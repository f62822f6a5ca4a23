"""What checks return and what the catalogue holds. Plain data; nothing here reads files or prints."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scaffold.verify.repo import RepoView, Subject


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    NEEDS_HUMAN = "needs_human"
    NEEDS_EVIDENCE = "needs_evidence"
    STALE = "stale"  # a sign-off or evidence record whose covered files changed since it was recorded


class Mode(enum.StrEnum):
    AUTO = "auto"
    EVIDENCE = "evidence"
    HUMAN = "human"


class Kind(enum.StrEnum):
    """What a check runs over: one per service, endpoint, event, job, integration, or once per repo."""

    SERVICE = "service"
    ENDPOINT = "endpoint"
    EVENT = "event"
    JOB = "job"
    INTEGRATION = "integration"
    REPO = "repo"


@dataclass(frozen=True)
class Finding:
    """One verdict of one check on one subject. A check may return several (e.g. one `fail` per offending line)."""

    check_id: str
    status: Status
    message: str
    file: str | None = None  # repo-relative, forward slashes
    line: int | None = None  # 1-based
    fix: str | None = None
    subject: str | None = None  # e.g. "service:billing", "event:billing.item_created"; None for repo-wide items


@dataclass(frozen=True)
class CheckDoc:
    """ruff-style documentation, shown by `scaffold explain ID` and the generated docs page."""

    what: str
    why: str
    fix: str


CheckFunction = Callable[["RepoView", "Subject"], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    id: str
    title: str  # the checklist text, verbatim from CHECKLIST.md
    mode: str  # the checklist's Mode column, verbatim (e.g. "auto + human")
    kind: Kind
    section: str  # e.g. "SVC / Code"
    doc: CheckDoc
    run: CheckFunction
    fixable: bool = False
    covers: tuple[str, ...] = field(default_factory=tuple)  # globs (subject-relative) a sign-off of this item binds to
