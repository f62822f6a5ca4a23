"""A read-only, cached view of a platform repo for the checks: files, subjects, and parsed artefacts.

Checks never open files themselves; they ask the RepoView, which reads each file once and hands out parsed forms
from `scaffold.parsers`. Paths given and returned are repo-relative with forward slashes.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from scaffold import platform
from scaffold.verify.model import Kind


@dataclass(frozen=True)
class Subject:
    """What one check runs over: a service, endpoint, event, job, integration, or the repo itself."""

    kind: Kind
    name: str
    path: str  # repo-relative folder of the subject ("" for the repo)

    @property
    def label(self) -> str:
        return "repo" if self.kind is Kind.REPO else f"{self.kind.value}:{self.name}"

    def join(self, relative: str) -> str:
        return f"{self.path}/{relative}" if self.path else relative


class RepoView:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._text: dict[str, str | None] = {}

    # --- files ---------------------------------------------------------------------------------------------
    @cached_property
    def files(self) -> list[str]:
        """Every file below the root, repo-relative, skipping node_modules, .git and build output."""
        skip = {"node_modules", ".git", ".sst", "dist", ".turbo"}
        found: list[str] = []
        for directory, subdirs, names in os.walk(self.root):
            subdirs[:] = sorted(d for d in subdirs if d not in skip)
            relative_dir = os.path.relpath(directory, self.root)
            for name in sorted(names):
                found.append(name if relative_dir == "." else f"{relative_dir}/{name}".replace(os.sep, "/"))
        return found

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def read_text(self, relative: str) -> str | None:
        """The file's text, or None when it does not exist or is not UTF-8."""
        if relative not in self._text:
            try:
                self._text[relative] = (self.root / relative).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._text[relative] = None
        return self._text[relative]

    def glob(self, pattern: str) -> list[str]:
        return [f for f in self.files if fnmatch.fnmatchcase(f, pattern)]

    # --- subjects ------------------------------------------------------------------------------------------
    def subjects(self, kind: Kind) -> list[Subject]:
        if kind is Kind.REPO:
            return [Subject(Kind.REPO, "repo", "")]
        if kind is Kind.SERVICE:
            return [Subject(Kind.SERVICE, name, f"{platform.SERVICES_DIR}/{name}") for name in self.service_names]
        return []  # the other kinds are enumerated by their section modules' helpers (see scaffold/checks)

    @cached_property
    def service_names(self) -> list[str]:
        services = self.root / platform.SERVICES_DIR
        if not services.is_dir():
            return []
        return sorted(
            entry.name
            for entry in services.iterdir()
            if entry.is_dir() and (entry / platform.SERVICE_MANIFEST).is_file() and entry.name != "jobs"
        )
