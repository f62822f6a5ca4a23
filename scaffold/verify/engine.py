"""Runs the catalogue over a repo: picks subjects per check, collects findings, applies sign-offs and waivers.

The engine never prints; reporters (scaffold/verify/reporters.py) render what it returns.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from scaffold.checks import catalogue
from scaffold.verify import attestations, clock
from scaffold.verify.model import Check, Finding, Kind, Status, attest_hint
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
    return [_completed(f, subject) for f in findings] or [
        Finding(check.id, Status.FAIL, "the check returned no verdict", subject=subject.label)
    ]


def _completed(finding: Finding, subject: Subject) -> Finding:
    """The finding with its subject, and, when it is open without a fix, the `scaffold attest` line that answers it."""
    from dataclasses import replace

    if not finding.subject:
        finding = replace(finding, subject=subject.label)
    if finding.fix is None and finding.status in (Status.NEEDS_HUMAN, Status.NEEDS_EVIDENCE):
        finding = replace(finding, fix=f"record it: {attest_hint(finding)}")
    return finding


def subjects_for(check: Check, repo: RepoView, selection: Selection) -> Sequence[Subject]:
    subjects = repo.subjects(check.kind)
    if selection.subject_path is not None:
        subjects = [s for s in subjects if s.path == selection.subject_path or s.kind is Kind.REPO]
    return subjects


# Which (check, subject) pairs a run decides when it decides only part of the plan (`--shard`, `--changed-since`):
# the rest are left out of its report. A kind's `not_applicable` row is decided with the repo subject.
Decides = Callable[[RepoView, Check, Subject], bool]
REPO_SUBJECT = Subject(Kind.REPO, "repo", "")


def run_checks(
    root: Path,
    selection: Selection = Selection(),
    *,
    now: datetime | None = None,
    apply_attestations: bool = True,
    listing: Sequence[str] | None = None,
    decides: Decides | None = None,
    plan_order: list[str] | None = None,
) -> list[Finding]:
    """Every selected check over every subject it applies to. A kind with no subject yields one `not_applicable`.
    With `decides`, only the pairs it accepts; `plan_order`, when given, is filled with the label of every subject
    of the whole plan in the plan's order (what `scaffold report merge` puts partial reports back in order by).

    Then the sign-offs, evidence and waivers of .scaffold/attestations.yaml are applied (unless
    `apply_attestations` is False); an unreadable attestations file raises AttestationError. `now` fixes the
    clock for the checks (freeze windows) and for expiries (default: SCAFFOLD_NOW, else the real time). `listing`:
    the repo's files as `listing.scan` just found them (saves a second walk of the tree)."""
    global _last_view
    repo = _last_view = RepoView(root, listing=listing)
    findings: list[Finding] = []
    with clock.frozen(now), _collecting_rarely():
        wanted = [check for check in catalogue().values() if selection.wants(check)]
        whole = [(check, subjects_for(check, repo, selection)) for check in wanted]
        if plan_order is not None:
            plan_order += dict.fromkeys(subject.label for _check, subjects in whole for subject in subjects)
        plan: Plan = whole
        if decides is not None:
            plan = [(check, [s for s in subjects if decides(repo, check, s)]) for check, subjects in whole]
        decided = _run_plan(plan, repo, now)
        for check_index, (check, subjects) in enumerate(plan):
            if not whole[check_index][1] and (decides is None or decides(repo, check, REPO_SUBJECT)):
                findings.append(
                    Finding(check.id, Status.NOT_APPLICABLE, f"no {check.kind.value} in this repo to check")
                )
                continue
            for subject_index in range(len(subjects)):
                findings.extend(decided[check_index, subject_index])
        if apply_attestations:
            findings = attestations.apply(findings, attestations.load(repo.root), repo, now=clock.now())
    return findings


# The view of the last run, kept until the next run replaces it: freeing a large run's parses when `run_checks`
# returns costs most of a second for 200 services, and `scaffold verify` then ends without freeing (`cli.run`).
_last_view: RepoView | None = None


# Generation-0 collections every 700 new objects, and the full passes they trigger, cost over a tenth of the CPU
# of a large run: the parsers build millions of objects (syntax trees, YAML data) that live until the run ends.
_RUN_GC_THRESHOLD = (100_000, 50, 1000)


@contextmanager
def _collecting_rarely() -> Iterator[None]:
    """Run with the cyclic garbage collector's passes far apart: what exists already (modules, the catalogue) is
    frozen out of them, and a pass comes after 100,000 new objects instead of 700. Restored on the way out."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_RUN_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


# --- running the plan, on two processes when the repo is large -----------------------------------------------
Plan = list[tuple[Check, Sequence[Subject]]]
Decided = dict[tuple[int, int], list[Finding]]
Unit = list[tuple[int, int]]  # (check index, subject index) pairs one process decides together

# The checks that read squawk's findings (scaffold/checks/svc_db.py): when any is planned, squawk starts at once.
_SQUAWK_READERS = ("SVC-DB-",)
# Below this many services one process is quicker: forking and sending findings back cost more than they save.
PARALLEL_FROM_SERVICES = 40
# What a forked worker runs, and the counter both processes take units from (set before forking).
_forked_plan: tuple[Plan, list[Unit], Synchronized[int], RepoView, datetime | None] | None = None


def _units(plan: Plan, repo: RepoView) -> list[Unit]:
    """The plan's pairs grouped by subject, a subject tied to a service (the service, its endpoints, the events of
    its family: see `subjects.home_service`) grouped with that service, so that whoever takes a unit parses its
    service's files for all of them. One service's unit comes first (`_run_plan` decides it before forking), then
    the subjects tied to no service (the repo, ...), one unit each, then the other services."""
    from scaffold.verify.subjects import home_service

    alone: dict[Subject, Unit] = {}
    by_home: dict[str, Unit] = {}
    for check_index, (_check, subjects) in enumerate(plan):
        for subject_index, subject in enumerate(subjects):
            home = home_service(repo, subject)
            unit = alone.setdefault(subject, []) if home is None else by_home.setdefault(home, [])
            unit.append((check_index, subject_index))
    services = list(by_home.values())
    return [*services[:1], *alone.values(), *services[1:]]


def _run_all(plan: Plan, repo: RepoView) -> Decided:
    return {
        (check_index, subject_index): _run_one(check, repo, subject)
        for check_index, (check, subjects) in enumerate(plan)
        for subject_index, subject in enumerate(subjects)
    }


def _run_units(plan: Plan, units: list[Unit], claimed: Synchronized[int], repo: RepoView) -> Decided:
    """Take the next unclaimed unit and decide its pairs, until none is left: the process that finishes a unit
    first takes the next, so neither waits long for the other however the costs of the units vary."""
    decided: Decided = {}
    while True:
        with claimed.get_lock():
            index = claimed.value
            claimed.value = index + 1
        if index >= len(units):
            return decided
        for check_index, subject_index in units[index]:
            check, subjects = plan[check_index]
            decided[check_index, subject_index] = _run_one(check, repo, subjects[subject_index])


def _run_forked_units() -> Decided:
    assert _forked_plan is not None
    plan, units, claimed, repo, now = _forked_plan
    with clock.frozen(now):
        return _run_units(plan, units, claimed, repo)


def _run_plan(plan: Plan, repo: RepoView, now: datetime | None) -> Decided:
    """Every (check, subject) pair's findings. With 2+ cores, a large repo and `fork` available, a forked copy of
    this process (sharing the plan and what is cached so far) and this one take units (see `_units`) in turn; the
    findings come back pickled and are put in the plan's order by the caller, so the report is the same either way."""
    if any(check.id.startswith(_SQUAWK_READERS) and subjects for check, subjects in plan):
        repo.lint_ahead()
    processes = min(os.cpu_count() or 1, 2)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _run_all(plan, repo)
    units = _units(plan, repo)
    if len(units) < PARALLEL_FROM_SERVICES:  # counted in units: a run that decides few services (--changed-since)
        return _run_all(plan, repo)  # is quicker on one process however many the repo holds
    global _forked_plan
    context = multiprocessing.get_context("fork")
    # Decide the first unit here before forking: what any unit needs first (the OpenAPI validator and its imports,
    # compiled queries, indexes over the whole repo) is then built once and inherited, not built by both.
    decided = {pair: _run_one(plan[pair[0]][0], repo, plan[pair[0]][1][pair[1]]) for pair in units[0]}
    repo.settle()
    claimed = context.Value("i", 1)
    _forked_plan = (plan, units, claimed, repo, now)
    try:
        with context.Pool(processes - 1) as pool:
            others = [pool.apply_async(_run_forked_units) for _ in range(processes - 1)]
            decided.update(_run_units(plan, units, claimed, repo))
            for other in others:
                decided.update(other.get())
    finally:
        _forked_plan = None
    return decided


def worst(findings: Iterable[Finding]) -> dict[str, Status]:
    """One status per check ID: fail beats stale beats needs_* beats waived beats pass beats not_applicable."""
    order = [
        Status.FAIL,
        Status.STALE,
        Status.NEEDS_EVIDENCE,
        Status.NEEDS_HUMAN,
        Status.WAIVED,
        Status.PASS,
        Status.NOT_APPLICABLE,
    ]
    result: dict[str, Status] = {}
    for finding in findings:
        current = result.get(finding.check_id)
        if current is None or order.index(finding.status) < order.index(current):
            result[finding.check_id] = finding.status
    return result
