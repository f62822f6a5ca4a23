"""Runs the catalogue over a repo: picks subjects per check, collects findings, applies sign-offs and waivers.

The engine never prints; reporters (scaffold/verify/reporters.py) render what it returns.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.checks import catalogue
from scaffold.verify import attestations, clock
from scaffold.verify.model import Check, Finding, Kind, Status, attest_hint
from scaffold.verify.repo import VOLATILE, Input, RepoView, Subject

if TYPE_CHECKING:
    from scaffold.verify.results import ResultStore


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


def _run_one(check: Check, repo: RepoView, subject: Subject) -> Outcome:
    """The pair's findings, and what the check read to decide them (`RepoView.recording`)."""
    clock_reads = clock.reads
    with repo.noting_refusals() as refused, repo.recording() as reads:
        try:
            findings = list(check.run(repo, subject))
        except Exception as error:  # a check's own bug must not hide the other items' verdicts
            repo.volatile()  # nor be kept: it is decided again next run
            findings = [
                Finding(
                    check.id,
                    Status.FAIL,
                    f"the check itself failed: {type(error).__name__}: {error}",
                    subject=subject.label,
                )
            ]
    # a file the check asked for and was refused (repofs/read.py) read as absent: say so under the same item
    findings += [_refusal(check.id, path, repo.refused[path], subject.label) for path in refused]
    if clock.reads != clock_reads:  # the verdict may change with no file changing (a freeze window)
        reads.add((VOLATILE, ""))
    completed = [_completed(f, subject) for f in findings] or [
        Finding(check.id, Status.FAIL, "the check returned no verdict", subject=subject.label)
    ]
    return completed, tuple(reads)  # a tuple: a run of 2,000 services keeps 130,000 of them until it stores


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
    results: ResultStore | None = None,
    tokens: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every selected check over every subject it applies to. A kind with no subject yields one `not_applicable`.
    With `decides`, only the pairs it accepts; `plan_order`, when given, is filled with the label of every subject
    of the whole plan in the plan's order (what `scaffold report merge` puts partial reports back in order by).

    Then the sign-offs, evidence and waivers of .scaffold/attestations.yaml are applied (unless
    `apply_attestations` is False); an unreadable attestations file raises AttestationError. `now` fixes the
    clock for the checks (freeze windows) and for expiries (default: SCAFFOLD_NOW, else the real time). `listing`:
    the repo's files as `listing.scan` just found them (saves a second walk of the tree). `results`: the pairs
    decided before whose inputs are unchanged are taken from it, and what this run decides is stored in it;
    `tokens`: the content tokens of listed files as they were hashed a moment ago (`cache.fingerprint`)."""
    global _last_view
    repo = _last_view = RepoView(root, listing=listing, tokens=tokens)
    findings: list[Finding] = []
    with clock.frozen(now), _collecting_rarely():
        wanted = [check for check in catalogue().values() if selection.wants(check)]
        whole = [(check, subjects_for(check, repo, selection)) for check in wanted]
        if plan_order is not None:
            plan_order += dict.fromkeys(subject.label for _check, subjects in whole for subject in subjects)
        plan: Plan = whole
        if decides is not None:
            plan = [(check, [s for s in subjects if decides(repo, check, s)]) for check, subjects in whole]
        decided = _decide(plan, repo, now, results, complete=selection == Selection() and decides is None)
        for check_index, (check, subjects) in enumerate(plan):
            if not whole[check_index][1] and (decides is None or decides(repo, check, REPO_SUBJECT)):
                findings.append(
                    Finding(check.id, Status.NOT_APPLICABLE, f"no {check.kind.value} in this repo to check")
                )
                continue
            for subject_index in range(len(subjects)):
                findings.extend(decided[check_index, subject_index][0])
        findings.extend(_unread_entries(repo, selection, findings))
        findings.extend(_broken_manifests(repo, selection, findings))
        if apply_attestations:
            findings = attestations.apply(findings, attestations.load(repo.root), repo, now=clock.now())
    return findings


def _refusal(check_id: str, path: str, reason: str, subject: str) -> Finding:
    fix = "replace it with a regular file inside the repo (at most a few MB), or remove it"
    return Finding(check_id, Status.FAIL, reason, file=path, subject=subject, fix=fix)  # the path shows beside it


# Where an entry the listing refused is reported when no check asked for it (e.g. a service folder that is a
# symlink out of the repo, so the service has no subject at all): under the service, the template-shape item;
# elsewhere, the repo's "CI green" item. No new ID: the catalogue stays the checklist's 86.
_UNREAD_IN_SERVICE = "SVC-CODE-01"
_UNREAD_IN_REPO = "DEPLOY-02"


def _unread_entries(repo: RepoView, selection: Selection, decided: list[Finding]) -> list[Finding]:
    """One `fail` finding per entry of the tree that is never read (`listing.scan`'s refused: a symlink leading out
    of the repo or in a loop, a FIFO, socket or device), unless a check's finding already named it."""
    from scaffold import platform

    named = {f.file for f in decided if f.status is Status.FAIL and f.file and f.message == repo.refused.get(f.file)}
    checks = catalogue()
    found = []
    for path, reason in repo.listed_refusals:
        if path in named:
            continue
        parts = path.split("/")
        if parts[0] == platform.SERVICES_DIR and len(parts) > 1 and parts[1] not in platform.RESERVED_SERVICE_NAMES:
            check_id, subject, folder = _UNREAD_IN_SERVICE, f"{Kind.SERVICE.value}:{parts[1]}", "/".join(parts[:2])
        else:
            check_id, subject, folder = _UNREAD_IN_REPO, "repo", None
        if not selection.wants(checks[check_id]):
            continue
        if selection.subject_path is not None and folder is not None and folder != selection.subject_path:
            continue
        found.append(_refusal(check_id, path, reason, subject))
    return found


def _broken_manifests(repo: RepoView, selection: Selection, decided: list[Finding]) -> list[Finding]:
    """A `fail` (under the repo-level item, see `_UNREAD_IN_REPO`) for each platform manifest that is there but
    cannot be used — refused, not UTF-8, not valid YAML (duplicate keys and alias bombs included), not a mapping,
    or against its schema — unless a check's `fail` on the file already says the same: the checks read some
    manifests only when they matter (the M2M clients when a service has callers), some say only "not valid YAML
    at line N", and a broken manifest must neither pass unseen nor lose its reason."""
    from scaffold import platform
    from scaffold.checks._schemas import schema_errors

    if not selection.wants(catalogue()[_UNREAD_IN_REPO]) or selection.subject_path is not None:
        return []
    found = []
    for path, schema_path in platform.PLATFORM_MANIFESTS:
        if not repo.has_file(path):
            continue
        parsed = repo.yaml(path)
        line: int | None = None
        said = reason = ""  # `said`: what a check's message must hold to have told the same already
        if parsed is None:
            said = reason = repo.refused.get(path) or "not UTF-8 text; not read"
        elif not parsed.ok:
            said, line = parsed.error or "", parsed.error_line
            reason = f"not valid YAML: {said}"
        elif not isinstance(parsed.data, dict):
            found_type = "nothing" if parsed.data is None else f"a {type(parsed.data).__name__}"
            reason, line = f"expected a mapping at the top level, found {found_type}", 1
        elif path == platform.MARKER and parsed.data.get("kind") != "platform":
            reason, line = "expected `kind: platform` (what every generator looks for)", parsed.line_of(("kind",))
        elif schema_path is not None and (errors := schema_errors(repo, path, schema_path))[0]:
            first, schema_name = errors[0][0], errors[1]
            said, line = first.message, first.line or 1
            reason = f"{first.where}: {first.message} (per {schema_name})"
        else:
            continue
        said = said or reason
        if any(f.status is Status.FAIL and f.file == path and said in f.message for f in decided):
            continue
        fix = "make it a mapping its schema accepts (`scaffold init` writes a valid one)"
        found.append(Finding(_UNREAD_IN_REPO, Status.FAIL, reason, file=path, line=line, fix=fix, subject="repo"))
    return found


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


def _decide(
    plan: Plan, repo: RepoView, now: datetime | None, results: ResultStore | None, complete: bool = False
) -> Decided:
    """Every pair's findings: from `results` where its inputs are unchanged, else decided now (and then stored).
    `complete`: the plan is every pair of the catalogue (results no pair of it used can go)."""
    if results is None:
        return _run_plan(plan, repo, now)
    decided: Decided = {}
    todo: Plan = []
    where: list[list[tuple[int, int]]] = []  # for each pair of `todo`, its place in `plan`
    for check_index, (check, subjects) in enumerate(plan):
        left, places = [], []
        for subject_index, subject in enumerate(subjects):
            found = results.reusable(repo, check.id, subject.label)
            if found is not None:
                decided[check_index, subject_index] = (found, ())
            else:
                left.append(subject)
                places.append((check_index, subject_index))
        todo.append((check, left))
        where.append(places)
    for (check_index, subject_index), outcome in _run_plan(todo, repo, now).items():
        check, subject = todo[check_index][0], todo[check_index][1][subject_index]
        results.keep(subject.label, check.id, *outcome)
        decided[where[check_index][subject_index]] = outcome
    results.save(repo, complete=complete)
    results.close()
    return decided


# --- running the plan, on two processes when the repo is large -----------------------------------------------
Plan = list[tuple[Check, Sequence[Subject]]]
Outcome = tuple[list[Finding], tuple[Input, ...]]  # a pair's findings and what the check read
Decided = dict[tuple[int, int], Outcome]
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


def _run_forked_units() -> tuple[Decided, dict[str, frozenset[Input]]]:
    """The units this process decided, and the groups of inputs it recorded (see `RepoView.memo`)."""
    assert _forked_plan is not None
    plan, units, claimed, repo, now = _forked_plan
    with clock.frozen(now):
        return _run_units(plan, units, claimed, repo), repo.groups


def _quiet_worker() -> None:
    """A forked worker ends when its pool is done with it (SIGTERM) and leaves Ctrl-C to the command: it inherited
    scaffold's handlers, which turn SIGTERM into an exception — a traceback on stderr at the end of every parallel
    run."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_plan(plan: Plan, repo: RepoView, now: datetime | None) -> Decided:
    """Every (check, subject) pair's findings. With 2+ cores, a large repo and `fork` available, a forked copy of
    this process (sharing the plan and what is cached so far) and this one take units (see `_units`) in turn; the
    findings come back pickled and are put in the plan's order by the caller, so the report is the same either way."""
    migration_subjects = [s for check, subjects in plan if check.id.startswith(_SQUAWK_READERS) for s in subjects]
    if migration_subjects:
        # the services whose migrations the plan's checks read (a partial run decides few of them)
        services = {s.name for s in migration_subjects if s.kind is Kind.SERVICE}
        beyond = any(s.kind is not Kind.SERVICE for s in migration_subjects)
        repo.lint_ahead(None if beyond or len(services) == len(repo.service_names) else sorted(services))
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
        with context.Pool(processes - 1, initializer=_quiet_worker) as pool:
            others = [pool.apply_async(_run_forked_units) for _ in range(processes - 1)]
            decided.update(_run_units(plan, units, claimed, repo))
            for other in others:
                their_decided, their_groups = other.get()
                decided.update(their_decided)
                for name, members in their_groups.items():
                    repo.groups.setdefault(name, members)
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
