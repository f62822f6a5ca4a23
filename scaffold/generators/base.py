"""What every generator shares: finding the platform repo, reading its settings, and finishing a plan
(show the diff, or apply it in one step and run the verifier on what was produced)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.staging import ChangeSet
from scaffold.templates import TEMPLATES_REF

if TYPE_CHECKING:
    from scaffold.verify.model import Kind


@dataclass(frozen=True)
class PlatformSettings:
    root: Path
    templates_url: str | None  # None until `scaffold config templates-url` sets it
    templates_ref: str


def open_platform(start: Path) -> PlatformSettings:
    """The platform repo at or above `start`, or a one-line error saying why there is none."""
    if not start.exists():
        raise ScaffoldError(f"{start}: no such folder")
    root = platform.find_platform_root(start)
    if root is None:
        raise ScaffoldError(
            f"{start.resolve()} is not inside a platform repo (no {platform.MARKER}); "
            "create one with `scaffold init DIR`"
        )
    marker = root / platform.MARKER
    try:
        settings = yaml.safe_load(marker.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ScaffoldError(f"{marker}: not valid YAML ({error.__class__.__name__})") from None
    if not isinstance(settings, dict) or settings.get("kind") != "platform":
        raise ScaffoldError(f"{marker}: expected `kind: platform`")
    return PlatformSettings(
        root=root,
        templates_url=str(settings["templates_url"]) if settings.get("templates_url") else None,
        templates_ref=str(settings.get("templates_ref") or TEMPLATES_REF),
    )


def plan_unless_exists(target_exists: bool, plan: Callable[[], ChangeSet], refusal: str) -> ChangeSet:
    """Generators never overwrite. A missing target is planned freely; once it exists, a plan is accepted only when it
    changes nothing (the same answers on a tree nobody has touched since), and anything else is refused with
    `refusal`: re-rendering would undo what people and other generators changed there since. Changing a generated
    thing is `copier update`'s job, or a person's."""
    if not target_exists:
        return plan()
    try:
        changes = plan()
    except ScaffoldError:  # the plan conflicts with what is there: that is an overwrite too
        raise ScaffoldError(refusal) from None
    if changes.changes:
        raise ScaffoldError(f"{refusal} ({len(changes.changes)} file(s) would change)")
    return changes


def finish(changes: ChangeSet, *, dry_run: bool, what: str) -> bool:
    """Print the diff (dry run) or apply every change at once. Returns whether anything was written."""
    if not changes.changes:
        print(f"{what}: nothing to change — the tree already matches.", file=sys.stderr)
        return False
    if dry_run:
        sys.stdout.write(changes.diff())
        print(f"{what} (dry run): {changes.summary()}; nothing written.", file=sys.stderr)
        return False
    written = changes.apply()
    print(f"{what}: wrote {len(written)} file(s) ({changes.summary()}).", file=sys.stderr)
    return True


def say_pnpm_install(root: Path, folder: str) -> None:
    """A new workspace package (a service, an integration) is not installed until `pnpm install` runs: say so, with
    what waits for it, where the generator's own output ends."""
    print(
        f"next: pnpm install (in {root}) — {folder} is a new workspace package; its type checks and tests, and the SDK "
        "regeneration of `new endpoint` and `new job`, need it",
        file=sys.stderr,
    )


def print_todo(root: Path, subject_path: str | None, kinds: tuple[Kind, ...] = ()) -> None:
    """Run the verifier over what was generated and list what still needs a person or outside evidence
    (limited to one subject folder and/or to the checks of some subject kinds)."""
    from scaffold.verify.cli import OPEN, todo_lines
    from scaffold.verify.engine import Selection, run_checks
    from scaffold.verify.model import Status

    findings = run_checks(root, Selection(kinds=kinds, subject_path=subject_path))
    failing = [f for f in findings if f.status is Status.FAIL]
    left = [f for f in findings if f.status in OPEN]
    print(f"\nscaffold verify: {len(failing)} fail, {len(left)} item(s) left for a human:")
    for finding in failing:
        where = f" ({finding.file}:{finding.line})" if finding.file else ""
        print(f"  FAIL {finding.check_id}{where}: {finding.message}")
    print("\n".join(todo_lines(left)))
