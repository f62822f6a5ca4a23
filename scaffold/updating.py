"""Keeping generated projects up to date with the templates: `scaffold update` (copier's `run_update` over every
generated subject, non-interactively, with the recorded answers) and `scaffold config templates-url` (recording
where the templates are published).

A generated subject is a folder holding copier's answers file: the platform root, each service, each integration.
Events and jobs are rendered into existing files and record nothing, so copier cannot update them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold import platform
from scaffold.edits import yaml_lists
from scaffold.errors import ScaffoldError
from scaffold.staging import ChangeSet, read_repo_text
from scaffold.template_source import check_source, release_tags, version_key
from scaffold.templates import ANSWERS_FILE

CONFLICT_MARKER = b"<<<<<<< "


@dataclass(frozen=True)
class Subject:
    folder: str  # relative to the platform root; "." for the root itself
    ref: str | None  # the recorded `_commit`
    source: str | None  # the recorded `_src_path`

    @property
    def answers_path(self) -> str:
        return ANSWERS_FILE if self.folder == "." else f"{self.folder}/{ANSWERS_FILE}"


def generated_subjects(root: Path) -> list[Subject]:
    """The platform root first (its packages are what services build on), then services, then integrations."""
    folders = ["."]
    for parent in (platform.SERVICES_DIR, platform.INTEGRATIONS_DIR):
        base = root / parent
        if base.is_dir():
            folders += sorted(f"{parent}/{child.name}" for child in base.iterdir() if child.is_dir())
    subjects = []
    for folder in folders:
        answers_path = root / folder / ANSWERS_FILE
        if not answers_path.is_file():
            continue
        answers = _read_answers(answers_path, root)
        subjects.append(
            Subject(
                folder=folder,
                ref=str(answers["_commit"]) if answers.get("_commit") else None,
                source=str(answers["_src_path"]) if answers.get("_src_path") else None,
            )
        )
    return subjects


def _read_answers(path: Path, root: Path) -> dict[str, Any]:
    relative = path.relative_to(root).as_posix()
    text = read_repo_text(root, relative)  # never through a link out of the repo, never a FIFO (one line, exit 2)
    if text is None:
        raise ScaffoldError(f"{relative}: missing")
    document = yaml_lists.load(text, relative)
    if not isinstance(document, dict):
        raise ScaffoldError(f"{relative}: expected copier's answers (a mapping)")
    return dict(document)


def resolve_subjects(root: Path, paths: list[str], every: bool) -> list[Subject]:
    """The subjects named by `paths` (folders, relative to the current folder), or all of them with `every`."""
    subjects = generated_subjects(root)
    if every:
        if paths:
            raise ScaffoldError("give folders or --all, not both")
        return subjects
    if not paths:
        raise ScaffoldError("name the folders to update (services/billing, .) or pass --all")
    by_folder = {subject.folder: subject for subject in subjects}
    chosen: list[Subject] = []
    for given in paths:
        try:
            folder = Path(given).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            raise ScaffoldError(f"{given}: not inside the platform repo {root}") from None
        if folder not in by_folder:
            raise ScaffoldError(f"{given}: not a generated subject (no {ANSWERS_FILE}); generated: {_names(subjects)}")
        if by_folder[folder] not in chosen:
            chosen.append(by_folder[folder])
    return [subject for subject in subjects if subject in chosen]  # the platform root first, whatever the order given


def _names(subjects: list[Subject]) -> str:
    return ", ".join(subject.folder for subject in subjects) or "none"


def set_templates_url(root: Path, url: str, ref: str) -> ChangeSet:
    """Record `url` (checked to hold `ref`) in .scaffold/platform.yaml and as `_src_path` in every subject's answers,
    keeping each file's comments. Returns the planned changes."""
    url = check_source(url, ref)
    changes = ChangeSet(root)
    marker = read_repo_text(root, platform.MARKER) or ""
    settings = yaml_lists.load(marker, platform.MARKER)
    settings["templates_url"] = url
    changes.write(platform.MARKER, yaml_lists.dump(settings))
    for subject in generated_subjects(root):
        text = read_repo_text(root, subject.answers_path) or ""
        answers = yaml_lists.load(text, subject.answers_path)
        answers["_src_path"] = url
        changes.write(subject.answers_path, yaml_lists.dump(answers))
    return changes


@dataclass
class UpdateResult:
    updated: list[str] = field(default_factory=list)
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # folder → files with markers or .rej files


def latest_release(source: str) -> str:
    tags = release_tags(source)
    if not tags:
        raise ScaffoldError(f"templates URL {source!r} has no vX.Y.Z release tags")
    return tags[-1]


def behind(subjects: list[Subject], latest: str) -> list[Subject]:
    return [s for s in subjects if s.ref is None or version_key(s.ref) < version_key(latest)]


def update_subjects(root: Path, subjects: list[Subject], ref: str) -> UpdateResult:
    """Run copier's update on each subject in order, with its recorded answers and without a question; record the
    new ref in .scaffold/platform.yaml when the root moves. Conflicts do not stop the run (copier leaves them inline
    and exits cleanly): they are collected per subject."""
    _refuse_uncommitted(root, subjects)
    result = UpdateResult()
    unmerged: list[str] = []  # `git ls-files --stage` lines of the conflicts copier recorded in the index
    try:
        _update_each(root, subjects, ref, result, unmerged)
    finally:
        _restore_unmerged(root, unmerged)
    return result


def _update_each(root: Path, subjects: list[Subject], ref: str, result: UpdateResult, unmerged: list[str]) -> None:
    import copier
    from copier.errors import CopierError
    from plumbum import ProcessExecutionError  # copier runs git through plumbum

    for subject in subjects:
        before = _conflict_files(root, subject)
        print(f"scaffold update: {subject.folder}: {subject.ref} → {ref}", file=sys.stderr)
        try:
            copier.run_update(
                str(root / subject.folder),
                vcs_ref=ref,
                defaults=True,  # the recorded answers, and defaults for questions a newer template adds
                overwrite=True,
                quiet=True,
                unsafe=False,
                conflict="inline",
            )
        except (CopierError, ProcessExecutionError) as error:
            raise ScaffoldError(
                f"{subject.folder}: copier update failed: {str(error).splitlines()[0] if str(error) else error!r}"
                + (f" (already updated: {', '.join(result.updated)})" if result.updated else "")
            ) from None
        result.updated.append(subject.folder)
        if subject.folder == ".":
            _record_root_ref(root, ref)
        new_conflicts = sorted(set(_conflict_files(root, subject)) - set(before))
        if new_conflicts:
            result.conflicts[subject.folder] = new_conflicts
        unmerged += _set_aside_unmerged(root)


def _set_aside_unmerged(root: Path) -> list[str]:
    """copier marks an inline conflict as unmerged in git's index, and the next folder's update cannot write a tree
    while any entry is unmerged. Take the entries out (the index keeps HEAD's version; the markers stay in the work
    tree) and return them, so that they are put back once every folder is done and `git status`/`git mergetool`
    show the conflicts as usual."""
    listed = _git(root, "ls-files", "--unmerged", "-z").split("\0")
    entries = [entry for entry in listed if entry]
    paths = sorted({entry.split("\t", 1)[1] for entry in entries})
    if paths:
        _git(root, "reset", "-q", "--", *paths)
    return entries


def _restore_unmerged(root: Path, entries: list[str]) -> None:
    if not entries:
        return
    paths = sorted({entry.split("\t", 1)[1] for entry in entries})
    # `--index-info` takes a mode-0 line to drop a path's stage-0 entry, then the higher stages (git-update-index(1)).
    removals = [f"0 {'0' * 40}\t{path}" for path in paths]
    _git(root, "update-index", "--index-info", input="\n".join([*removals, *entries]) + "\n")


def _git(root: Path, *args: str, input: str | None = None) -> str:  # `input`: subprocess's own name
    import subprocess

    result = subprocess.run(["git", *args], cwd=root, input=input, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ScaffoldError(f"`git {' '.join(args[:2])}` failed in {root}: {result.stderr.strip()[:200]}")
    return result.stdout


def _refuse_uncommitted(root: Path, subjects: list[Subject]) -> None:
    """copier refuses a dirty folder one at a time, after earlier folders were updated: say it up front, with the
    files (the update's three-way merge needs your edits committed to tell them from the template's)."""
    import subprocess

    folders = [subject.folder for subject in subjects]
    result = subprocess.run(
        ["git", "status", "--porcelain", "--", *folders], cwd=root, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ScaffoldError(f"{root} is not a git repo: `copier update` merges through git; commit the platform first")
    dirty = [line[3:] for line in result.stdout.splitlines() if line.strip()]
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise ScaffoldError(f"uncommitted changes ({shown}): commit or stash them first, then run the update again")


def _record_root_ref(root: Path, ref: str) -> None:
    marker = read_repo_text(root, platform.MARKER) or ""
    settings = yaml_lists.load(marker, platform.MARKER)
    settings["templates_ref"] = ref  # new services render from the templates the root now matches
    changes = ChangeSet(root)
    changes.write(platform.MARKER, yaml_lists.dump(settings))
    changes.apply()


def _conflict_files(root: Path, subject: Subject) -> list[str]:
    """Files of the subject holding conflict markers, and `.rej` files (copier's two ways of leaving a conflict). The
    root's own scan leaves out the services and integrations with answers of their own: they are subjects too."""
    base = root / subject.folder
    found = []
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(root)
        parts = relative.parts
        if any(part in platform.IGNORED_DIRS for part in parts):
            continue
        if subject.folder == "." and len(parts) > 2 and (root / parts[0] / parts[1] / ANSWERS_FILE).is_file():
            continue
        if not path.is_file() or path.is_symlink():
            continue
        if path.suffix == ".rej":
            found.append(relative.as_posix())
            continue
        try:
            content = path.read_bytes()
        except OSError:
            continue
        if content.startswith(CONFLICT_MARKER) or b"\n" + CONFLICT_MARKER in content:
            found.append(relative.as_posix())
    return found
