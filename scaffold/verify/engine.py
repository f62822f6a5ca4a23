"""Runs the catalogue over a repo: picks subjects per check, collects findings, applies sign-offs and waivers.

The engine never prints; reporters (scaffold/verify/reporters.py) render what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scaffold.checks import catalogue
from scaffold.verify import attestations, clock
from scaffold.verify.model import Check, Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject


@dataclass(frozen=True)
class Selection:
    only: tuple[str, ...] = ()  # IDs or prefixes ("SVC-DB", "EVT-03")
    kinds: tuple[Kind, ...] = ()
    subject_path: str | None = None  # limit to one subject folder (a service, integration or job folder)

    def wants(self, check: Check) -> bool:
        if self.kinds and check.kind not in self.kinds:
            return False
        if not self.only:
            return True
        return any(check.id == item or check.id.startswith(item.rstrip("-") + "-") for item in self.only)


def _run_one(check: Check, repo: RepoView, subject: Subject) -> list[Finding]:
    try:
        findings = list(check.run(repo, subject))
    except Exception as error:  # a check's own bug must not hide the other items' verdicts
        findings = [
            Finding(
                check.id,
                Status.FAIL,
                f"the check itself failed: {type(error).__name__}: {error}",
                subject=subject.label,
            )
        ]
    return [f if f.subject else _with_subject(f, subject) for f in findings] or [
        Finding(check.id, Status.FAIL, "the check returned no verdict", subject=subject.label)
    ]


def _with_subject(finding: Finding, subject: Subject) -> Finding:
    from dataclasses import replace

    return replace(finding, subject=subject.label)


def subjects_for(check: Check, repo: RepoView, selection: Selection) -> Sequence[Subject]:
    subjects = repo.subjects(check.kind)
    if selection.subject_path is not None:
        subjects = [s for s in subjects if s.path == selection.subject_path or s.kind is Kind.REPO]
    return subjects


def run_checks(
    root: Path,
    selection: Selection = Selection(),
    *,
    now: datetime | None = None,
    apply_attestations: bool = True,
) -> list[Finding]:
    """Every selected check over every subject it applies to. A kind with no subject yields one `not_applicable`.

    Then the sign-offs, evidence and waivers of .scaffold/attestations.yaml are applied (unless
    `apply_attestations` is False); an unreadable attestations file raises AttestationError. `now` fixes the
    clock for the checks (freeze windows) and for expiries (default: SCAFFOLD_NOW, else the real time)."""
    repo = RepoView(root)
    findings: list[Finding] = []
    with clock.frozen(now):
        for check in catalogue().values():
            if not selection.wants(check):
                continue
            subjects = subjects_for(check, repo, selection)
            if not subjects:
                findings.append(
                    Finding(check.id, Status.NOT_APPLICABLE, f"no {check.kind.value} in this repo to check")
                )
                continue
            for subject in subjects:
                findings.extend(_run_one(check, repo, subject))
        if apply_attestations:
            findings = attestations.apply(findings, attestations.load(repo.root), repo, now=clock.now())
    return findings


def worst(findings: Iterable[Finding]) -> dict[str, Status]:
    """One status per check ID: fail beats stale beats needs_* beats pass beats not_applicable."""
    order = [Status.FAIL, Status.STALE, Status.NEEDS_EVIDENCE, Status.NEEDS_HUMAN, Status.PASS, Status.NOT_APPLICABLE]
    result: dict[str, Status] = {}
    for finding in findings:
        current = result.get(finding.check_id)
        if current is None or order.index(finding.status) < order.index(current):
            result[finding.check_id] = finding.status
    return result
