"""`scaffold init DIR`: a fresh platform monorepo from templates/platform."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from scaffold import platform, templates
from scaffold.errors import ScaffoldError
from scaffold.generators.base import plan_unless_exists, yaml_mapping
from scaffold.staging import ChangeSet, read_repo_text

PLATFORM_NAME = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")


@dataclass(frozen=True)
class InitAnswers:
    platform_name: str
    templates_url: str | None
    templates_ref: str = templates.TEMPLATES_REF


def check_platform_name(name: str) -> None:
    if not PLATFORM_NAME.match(name):
        raise ScaffoldError(f"platform name {name!r} is not valid: lower-case letters, digits and '-', 2–40 characters")


def plan_init(target: Path, answers: InitAnswers) -> ChangeSet:
    check_platform_name(answers.platform_name)
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target}: exists and is not a folder")
    marker = target / platform.MARKER
    if target.is_dir() and any(target.iterdir()) and not marker.is_file():
        raise ScaffoldError(f"{target}: folder is not empty and is not a platform repo; choose an empty or new folder")
    if marker.is_file():  # a malformed marker is one line and exit 2, like every other manifest
        yaml_mapping(read_repo_text(target, platform.MARKER), str(marker), required=False)
    # Re-rendering would undo what generators and people added since (registries, catalog): never overwrite a platform.
    return plan_unless_exists(
        marker.is_file(),
        lambda: _plan_changes(target, answers),
        f"{target} is already a platform; pull template changes there with `scaffold update .` (or `copier update`)",
    )


def _plan_changes(target: Path, answers: InitAnswers) -> ChangeSet:
    files = templates.render(
        "platform", {"platform_name": answers.platform_name}, answers.templates_url, answers.templates_ref
    )
    files[platform.MARKER] = _marker(answers)
    changes = ChangeSet(target)
    for path, content in files.items():
        changes.write(path, content)
    _write_derived_files(changes)
    return changes


def _write_derived_files(changes: ChangeSet) -> None:
    """Pages the verifier expects to match a regeneration (the starter events' reference pages)."""
    from scaffold.checks.event import derived_files
    from scaffold.verify.repo import RepoView

    for path, content in derived_files(RepoView(changes.root, overlay=changes.overlay())).items():
        changes.write(path, content)


def _marker(answers: InitAnswers) -> bytes:
    settings = {
        "kind": "platform",
        "layout": 1,
        "platform_name": answers.platform_name,
        "templates_url": answers.templates_url,
        "templates_ref": answers.templates_ref,
    }
    header = "# Marks a platform repo for scaffold (docs/LAYOUT.md). templates_url/ref: where `copier update` looks.\n"
    return (header + yaml.safe_dump(settings, sort_keys=False)).encode()
