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
    STALE = "stale"  # a record whose covered files changed since it was recorded, or that was edited by hand
    WAIVED = "waived"  # a failure a waiver covers (the finding carries the waiver: owner, ticket, expiry)


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
class Waiver:
    """Who accepted a failure, until when, tracked where, and why (from .scaffold/attestations.yaml)."""

    owner: str
    ticket: str
    expires: str  # YYYY-MM-DD, inclusive
    reason: str


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
    waiver: Waiver | None = None  # set on `waived` findings


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
    # The checklist asks for "a reviewer other than the author": a sign-off by an author of the covered change fails.
    independent: bool = False


def attest_hint(finding: Finding) -> str:
    """The command that records the answer to an open finding. A sign-off's runs as printed (`--by` defaults to the
    git identity, the note to what the item asks); evidence needs its real link in place of LINK. The subject is
    always named, so the command works however many subjects of its kind the repo has."""
    subject = "" if finding.subject in (None, "repo") else f" --subject {finding.subject}"
    if finding.status is Status.NEEDS_EVIDENCE:
        return f"scaffold attest {finding.check_id}{subject} --evidence LINK"
    return f"scaffold attest {finding.check_id}{subject}"
