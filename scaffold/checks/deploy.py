"""DEPLOY — any production deploy: changeset, CI, review, freeze calendar, rollback, alarms.

These run once over the repo. Conventions read here: `.changeset/*.md` (changesets' own format: YAML front matter
naming the packages, then the summary), the root package.json's scripts, release/freeze-windows.yaml
(`windows: [{start, end, reason}]`, ISO-8601 dates or date-times, both ends inclusive; a bare list works too), and
each service's RUNBOOK.md `## Rollback` section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._contracts import needs_evidence, needs_human, unreadable
from scaffold.checks._schemas import schema_failures
from scaffold.parsers import manifests
from scaffold.verify import clock
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject

# A summary made only of these words says nothing to the people reading release notes.
LAZY_WORDS = frozenset(
    {
        "fix",
        "fixes",
        "fixed",
        "bugfix",
        "bug",
        "bugs",
        "wip",
        "update",
        "updates",
        "updated",
        "change",
        "changes",
        "changed",
        "misc",
        "stuff",
        "tweak",
        "tweaks",
        "cleanup",
        "refactor",
        "refactoring",
        "bump",
        "minor",
        "patch",
        "test",
        "tests",
        "tmp",
        "temp",
        "todo",
        "tbd",
        "various",
        "improvements",
        "improve",
        "small",
        "more",
        "typo",
        "fixup",
        "chore",
        "code",
        "some",
        "things",
        "a",
        "the",
        "and",
        "of",
    }
)
MIN_SUMMARY_WORDS = 3
MIN_SUMMARY_CHARACTERS = 15


# --- DEPLOY-01 -----------------------------------------------------------------------------------------------
def summary_problem(summary: str) -> str | None:
    """Why a changeset summary is not user-facing, or None."""
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'._-]*", summary)
    if not words:
        return "has no summary"
    if all(word.lower().strip("._-") in LAZY_WORDS for word in words):
        return f"says only {summary.strip()!r}"
    if len(words) < MIN_SUMMARY_WORDS or len(summary.strip()) < MIN_SUMMARY_CHARACTERS:
        return f"is too short to tell users what changed ({summary.strip()!r})"
    return None


@check("DEPLOY-01", 'Changeset committed with user-facing summary (not "fix" or "wip")', mode="auto", kind=Kind.REPO)
def changeset_with_summary(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that .changeset/ holds at least one changeset (a `.md` other than README.md) and
    that each names the packages it bumps in its front matter and has a summary of at least three words and
    fifteen characters that is not only filler such as "fix", "wip", "update" or "changes".

    Why it matters: Changesets become the changelog and the release notes; "fix" tells nobody whether the
    release touches them.

    How to fix: Run `pnpm changeset`, pick the packages, and write one sentence a user of the service would
    understand ("Billing: invoices can be filtered by status").
    """
    changesets = [p for p in repo.glob(f"{platform.CHANGESET_DIR}/*.md") if p.rsplit("/", 1)[-1].lower() != "readme.md"]
    if not changesets:
        anchor = f"{platform.CHANGESET_DIR}/config.json"
        return [
            Finding(
                "DEPLOY-01",
                Status.FAIL,
                "no changeset in .changeset/",
                file=anchor if repo.exists(anchor) else platform.CHANGESET_DIR,
                line=1,
                fix="run `pnpm changeset` and describe the change for its users",
            )
        ]
    findings = []
    for path in changesets:
        doc = repo.markdown(path)
        if doc is None:
            continue
        packages = manifests.load_yaml(doc.front_matter) if doc.front_matter is not None else None
        if packages is None or not packages.ok or not isinstance(packages.data, Mapping) or not packages.data:
            findings.append(
                Finding(
                    "DEPLOY-01",
                    Status.FAIL,
                    "the changeset names no package in its front matter",
                    file=path,
                    line=1,
                    fix='start it with `---\n"@platform/<package>": patch\n---`',
                )
            )
            continue
        summary = "\n".join(doc.lines[doc.body_start :]).strip()
        problem = summary_problem(summary)
        if problem:
            line = next(
                (i + 1 for i in range(doc.body_start, len(doc.lines)) if doc.lines[i].strip()), doc.body_start + 1
            )
            findings.append(
                Finding(
                    "DEPLOY-01",
                    Status.FAIL,
                    f"the changeset summary {problem}",
                    file=path,
                    line=line,
                    fix="write one sentence telling users what changed for them",
                )
            )
    return findings or [
        Finding(
            "DEPLOY-01", Status.PASS, f"{len(changesets)} changeset(s) with user-facing summaries", file=changesets[0]
        )
    ]


# --- DEPLOY-02 -----------------------------------------------------------------------------------------------
REQUIRED_SCRIPTS = ("typecheck", "test")


@check(
    "DEPLOY-02",
    "CI green (all 23+ convention checks, typecheck, tests, build, drift checks)",
    mode="auto (local run) + evidence (CI)",
    kind=Kind.REPO,
    covers=(".changeset/*.md", platform.ROOT_PACKAGE_JSON, "pnpm-lock.yaml"),
)
def ci_green(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that the root package.json has the `typecheck` and `test` scripts CI runs (the
    convention and drift checks are this verifier). That CI passed on the commit being deployed is a fact
    outside the repo: recorded evidence. The engine also fails this item for every entry outside a service folder
    that it will not read (a symlink out of the repo or in a loop, a FIFO, socket or device), and for a platform
    manifest (.scaffold/platform.yaml, the catalog, the M2M clients, the freeze calendar) that cannot be used and
    that no other item has reported: not UTF-8, not valid YAML (duplicate keys and alias bombs included), not a
    mapping, or against its schema.

    Why it matters: A deploy of a commit CI never passed is a deploy of untested code.

    How to fix: Keep `"typecheck": "pnpm -r typecheck"` and `"test": "pnpm -r test"` in package.json; link the
    green CI run with `scaffold attest DEPLOY-02 --evidence <CI run URL>`. Replace an unreadable entry with a regular
    file inside the repo, or remove it; fix a broken manifest at the line given.
    """
    path = platform.ROOT_PACKAGE_JSON
    data = repo.json(path)
    if not isinstance(data, Mapping):
        return [
            Finding(
                "DEPLOY-02",
                Status.FAIL,
                f"{path} is missing or not valid JSON",
                file=path,
                line=1,
                fix="restore the root package.json from the platform template",
            )
        ]
    scripts = data.get("scripts")
    scripts = scripts if isinstance(scripts, Mapping) else {}
    missing = [name for name in REQUIRED_SCRIPTS if not isinstance(scripts.get(name), str) or not scripts[name].strip()]
    if missing:
        parsed = repo.yaml(path)  # JSON is YAML: this gives the line of "scripts"
        line = (parsed.line_of(("scripts",)) if parsed is not None and parsed.ok else None) or 1
        return [
            Finding(
                "DEPLOY-02",
                Status.FAIL,
                f"the root package.json has no {' or '.join(missing)} script",
                file=path,
                line=line,
                fix='add `"typecheck": "pnpm -r typecheck", "test": "pnpm -r test"`',
            )
        ]
    return [
        Finding("DEPLOY-02", Status.PASS, "typecheck and test scripts present", file=path),
        needs_evidence("DEPLOY-02", subject, "CI passed on the commit being deployed (link the run)"),
    ]


# --- DEPLOY-03 -----------------------------------------------------------------------------------------------
@check(
    "DEPLOY-03",
    "At least one human reviewer approved",
    mode="human",
    kind=Kind.REPO,
    covers=platform.DEPLOYED_FILES,
    independent=True,
)
def human_reviewer_approved(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Asks for the approving reviewer's sign-off; the sign-off is bound to what the deploy ships
    (the pending changesets, the services', integrations' and packages' code, the root manifests), so a later
    change makes it stale. Sign-offs by bot accounts, and by an author of the commits the sign-off covers, fail.

    Why it matters: A second person is the cheapest way to catch what every automated check missed.

    How to fix: Have the reviewer approve the pull request, then
    `scaffold attest DEPLOY-03 --by "Dana Reviewer" --note "approved PR #4711"` (without `--by`, the git identity).
    """
    return [needs_human("DEPLOY-03", subject, "a reviewer other than the author approved the change")]


# --- DEPLOY-04 -----------------------------------------------------------------------------------------------
def _window_bounds(window: Mapping[str, object]) -> tuple[datetime, datetime] | None:
    try:
        start, end = clock.as_utc(window["start"]), clock.as_utc(window["end"])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return None
    if _is_date_only(window["end"]):
        end += timedelta(days=1) - timedelta(microseconds=1)  # a date ends at midnight of the next day
    return (start, end) if start <= end else None


def _is_date_only(value: object) -> bool:
    if isinstance(value, datetime):
        return False
    return isinstance(value, date) or (isinstance(value, str) and "T" not in value and " " not in value.strip())


def freeze_window_boundaries(repo: RepoView) -> list[datetime]:
    """The instants at which DEPLOY-04's verdict can change: each window's start and the first instant after its
    end. The verify cache keeps a report only until the next of these (scaffold/verify/cache.py)."""
    parsed = repo.yaml(platform.FREEZE_WINDOWS)
    data = parsed.data if parsed is not None and parsed.ok else None
    windows = data.get("windows") if isinstance(data, Mapping) else data
    boundaries = []
    for window in windows if isinstance(windows, list) else []:
        bounds = _window_bounds(window) if isinstance(window, Mapping) else None
        if bounds is not None:
            boundaries += [bounds[0], bounds[1] + timedelta(microseconds=1)]
    return boundaries


@check("DEPLOY-04", "No merge during a freeze window", mode="auto (against a freeze calendar)", kind=Kind.REPO)
def outside_freeze_window(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Reads release/freeze-windows.yaml, which must be valid against
    `schemas/freeze-windows.schema.json`, and fails when now (UTC; `SCAFFOLD_NOW` overrides it) is inside a window,
    naming the window and its line. Dates are inclusive: `end: 2027-01-04` freezes that whole day. An entry without
    a valid start and end fails too.

    Why it matters: Freezes cover the times when an incident costs most and the fewest people can respond.

    How to fix: Wait for the window to end, or get a waiver from the release owner:
    `scaffold attest DEPLOY-04 --waive --ticket OPS-12 --expires 2027-01-31 --note "hotfix for the outage"`.
    """
    path = platform.FREEZE_WINDOWS
    parsed = repo.yaml(path)
    if parsed is None:
        return [
            Finding(
                "DEPLOY-04",
                Status.FAIL,
                "no freeze calendar",
                file=path,
                line=1,
                fix="create release/freeze-windows.yaml (`windows: []` when nothing is frozen)",
            )
        ]
    if not parsed.ok:
        return [unreadable("DEPLOY-04", path, parsed.error_line, "YAML")]
    invalid = schema_failures(
        "DEPLOY-04",
        repo,
        path,
        platform.FREEZE_WINDOWS_SCHEMA,
        "write `windows: [{start, end, reason}]` with quoted ISO-8601 dates, as the schema says",
    )
    if invalid:
        return invalid
    data = parsed.data
    prefix: tuple[str, ...] = ("windows",) if isinstance(data, Mapping) else ()
    windows = data.get("windows") if isinstance(data, Mapping) else data
    if windows is None:
        windows = []
    if not isinstance(windows, list):
        return [
            Finding(
                "DEPLOY-04",
                Status.FAIL,
                "the freeze calendar is not a list of windows",
                file=path,
                line=1,
                fix="write `windows: [{start, end, reason}]`",
            )
        ]
    now = clock.now()
    findings = []
    for index, window in enumerate(windows):
        line = parsed.line_of((*prefix, index))
        bounds = _window_bounds(window) if isinstance(window, Mapping) else None
        if bounds is None:
            findings.append(
                Finding(
                    "DEPLOY-04",
                    Status.FAIL,
                    "a freeze window without a valid start and end",
                    file=path,
                    line=line,
                    fix="give each window ISO-8601 `start` <= `end` and a reason",
                )
            )
            continue
        start, end = bounds
        if start <= now <= end:
            reason = window.get("reason") or "no reason given"  # type: ignore[union-attr]
            findings.append(
                Finding(
                    "DEPLOY-04",
                    Status.FAIL,
                    f"{now:%Y-%m-%d %H:%M} UTC is inside the freeze window {window['start']} to "  # type: ignore[index]
                    f"{window['end']} ({reason})",
                    file=path,
                    line=line,  # type: ignore[index]
                    fix="deploy after the window ends, or record a waiver from the release owner",
                )
            )
    return findings or [
        Finding(
            "DEPLOY-04",
            Status.PASS,
            f"{now:%Y-%m-%d %H:%M} UTC is outside all {len(windows)} freeze window(s)",
            file=path,
        )
    ]


# --- DEPLOY-05 -----------------------------------------------------------------------------------------------
_STEP = re.compile(r"^\s*([-*+]|\d+[.)])\s+\S|`[^`]+`|^\s*(```|~~~)", re.MULTILINE)


@check("DEPLOY-05", "Rollback procedure tested OR documented", mode="auto", kind=Kind.REPO)
def rollback_documented(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Checks that every service's RUNBOOK.md (the jobs service's included) has a `## Rollback`
    section with steps: a list item, a command in backticks, or a code block — not a placeholder.

    Why it matters: A rollback is run under pressure by whoever is on call; the steps must be written before
    they are needed.

    How to fix: Add `## Rollback` to the runbook with the exact commands (redeploy the previous release tag,
    what to do about migrations and queued events).
    """
    services = list(repo.service_names) + (["jobs"] if repo.exists(platform.JOBS_RUNBOOK) else [])
    if not services:
        return [Finding("DEPLOY-05", Status.NOT_APPLICABLE, "no service with a runbook to roll back")]
    findings = []
    for service in sorted(services):
        path = f"{platform.service_dir(service)}/RUNBOOK.md"
        doc = repo.markdown(path)
        fix = "add `## Rollback` with the commands that roll this service back"
        if doc is None:
            findings.append(
                Finding("DEPLOY-05", Status.FAIL, f"{service} has no RUNBOOK.md", file=path, line=1, fix=fix)
            )
            continue
        section = doc.section("Rollback")
        if section is None:
            findings.append(
                Finding(
                    "DEPLOY-05",
                    Status.FAIL,
                    f"{service}'s runbook has no `## Rollback` section",
                    file=path,
                    line=1,
                    fix=fix,
                )
            )
        elif manifests.is_placeholder(section.body) or not _STEP.search(section.body):
            findings.append(
                Finding(
                    "DEPLOY-05",
                    Status.FAIL,
                    f"{service}'s `## Rollback` section has no steps",
                    file=path,
                    line=section.line,
                    fix=fix,
                )
            )
    return findings or [Finding("DEPLOY-05", Status.PASS, f"rollback documented for {len(services)} service(s)")]


# --- DEPLOY-06 -----------------------------------------------------------------------------------------------
@check(
    "DEPLOY-06",
    "Alarms acknowledged for the deploy window",
    mode="human",
    kind=Kind.REPO,
    covers=platform.DEPLOYED_FILES,
)
def alarms_acknowledged(repo: RepoView, subject: Subject) -> Iterable[Finding]:
    """What it does: Asks for the on-call's sign-off that they know the deploy window and will watch its alarms;
    bound to what the deploy ships (as DEPLOY-03), so a later change makes it stale. Sign-offs by bot accounts
    are rejected.

    Why it matters: Alarms firing during a deploy are read as the deploy's fault — or ignored as noise — unless
    someone expected them.

    How to fix: Tell the on-call the window, then
    `scaffold attest DEPLOY-06 --by "Sam On-Call" --note "watching alarms 14:00-15:00 UTC"`.
    """
    return [needs_human("DEPLOY-06", subject, "the on-call acknowledged the alarms for this deploy window")]
