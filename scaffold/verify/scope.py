"""Runs that decide part of the plan: `--shard K/N` (a stable share of the subjects, for a CI matrix) and
`--changed-since REF` (the subjects whose files changed). Each gives the engine a `Decides` (engine.py): which
(check, subject) pairs to run.

A shard is chosen by a hash of the subject's home (subjects.home_service: a service with its endpoints and the
events of its family — they read the same files, so one shard parses them once), else of its label. The repo
subject, and with it every repo-level item and every `not_applicable` row, belongs to shard 1 alone: each pair is
decided by exactly one shard, so `scaffold report merge` puts the single run's report back together.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.verify.model import Check, Kind
from scaffold.verify.repo import RepoView, Subject


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        found = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
        if found is None:
            raise ScaffoldError(f"--shard {text!r}: expected K/N, e.g. 2/4")
        index, count = int(found[1]), int(found[2])
        if not 1 <= index <= count:
            raise ScaffoldError(f"--shard {text!r}: K must be between 1 and N")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def decides(self, repo: RepoView, check: Check, subject: Subject) -> bool:
        return shard_of(repo, subject, self.count) == self.index


def shard_of(repo: RepoView, subject: Subject, count: int) -> int:
    """The shard (1..count) that decides `subject`: the same on every machine and in every run of the same tree."""
    if subject.kind is Kind.REPO or count == 1:
        return 1
    from scaffold.verify.subjects import home_service

    home = home_service(repo, subject)
    key = f"service:{home}" if home is not None else subject.label
    number = int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "big")
    return number % count + 1


def catalogue_fingerprint() -> str:
    """scaffold's version and a hash of the catalogue's items as reports show them (ID, title, section, mode, kind,
    docs): shards merged into one report must have been decided by the same catalogue, and the merging scaffold
    renders titles and rules from its own."""
    from scaffold import __version__
    from scaffold.checks import catalogue

    digest = hashlib.blake2b(digest_size=16)
    for check in catalogue().values():
        fields = (check.id, check.title, check.mode, check.kind.value, check.section, *check.doc.__dict__.values())
        digest.update("\0".join(fields).encode() + b"\n")
    return f"{__version__} {digest.hexdigest()}"


# --- --changed-since REF ---------------------------------------------------------------------------------------
# Service, endpoint and event checks that read other services' files (each is a reason to re-decide it for every
# subject of its kind when any service changes): SVC-AUTH-01 (who calls the service) and SVC-SDK-04 (who consumes
# its SDK) look for imports of the service's SDK in every TypeScript file of the repo; EVT-04 and EVT-05 look for the
# event's publishers and subscribers in every service; EVT-06 (the event page) lists every service's events and
# EVT-07 every service's third-party endpoints. tests/verify/test_scope.py runs every such check with its reads
# recorded (the view's own record, shared facts included) and fails when another one reads a second service's
# files, so this list cannot silently fall behind the checks.
CROSS_SERVICE_CHECKS = frozenset({"SVC-AUTH-01", "SVC-SDK-04", "EVT-04", "EVT-05", "EVT-06", "EVT-07"})
# What ties a subject of another service to a change, per cross-service check (see `ChangedSince.decides`): the
# service's SDK imported by a changed file (before or after the change), or the event listed, subscribed to or
# enqueued by a changed service (before or after); for the event page and the user-facing check, also any manifest or
# OpenAPI document of a changed service (they list every service's events and endpoints).
_SDK_READERS = frozenset({"SVC-AUTH-01", "SVC-SDK-04"})
_EVENT_READERS = frozenset({"EVT-04", "EVT-05", "EVT-06", "EVT-07"})
_LISTING_READERS = frozenset({"EVT-06", "EVT-07"})
# A change of more files than this is not read twice (now and at REF) to narrow the cross-service checks down.
_MOST_FILES_COMPARED = 200
# Paths below the root that no verdict reads: scaffold's own lock and journal.
_NOT_INPUTS = ("REPO_LOCK", "APPLY_JOURNAL")


@dataclass(frozen=True)
class ChangedSince:
    """What changed between a commit and the working tree (committed, staged, unstaged and untracked alike), and
    so which subjects a run re-decides: a service's subjects (the service, its endpoints, the events of its family)
    when a file below services/<name>/ changed, an integration when a file below integrations/<name>/ did; when any
    of those changed, every job and integration and every event of no service's family, and the checks of
    CROSS_SERVICE_CHECKS for every subject of their kind. Any other changed path — sst.config.ts, the catalog, the
    registries, packages/, docs/, .scaffold/attestations.yaml, services/jobs/ — can be read by any check:
    everything is decided. Repo-level items are always decided."""

    ref: str
    commit: str
    changed: frozenset[str]
    before: tuple[tuple[str, str, int], ...] = ()  # (path, blob id, size) at REF of each changed file that was there
    root: Path | None = None  # where to read those blobs (git cat-file)

    @property
    def services(self) -> frozenset[str]:
        return frozenset(self._owners[0])

    @property
    def integrations(self) -> frozenset[str]:
        return frozenset(self._owners[1])

    @property
    def everything(self) -> bool:
        return self._owners[2]

    @cached_property
    def _owners(self) -> tuple[set[str], set[str], bool]:
        from scaffold import platform

        services: set[str] = set()
        integrations: set[str] = set()
        for path in self.changed:
            parts = path.split("/")
            reserved = len(parts) >= 2 and parts[1] in platform.RESERVED_SERVICE_NAMES
            if len(parts) >= 3 and parts[0] == platform.SERVICES_DIR and not reserved:
                services.add(parts[1])
            elif len(parts) >= 3 and parts[0] == platform.INTEGRATIONS_DIR:
                integrations.add(parts[1])
            else:
                return services, integrations, True
        return services, integrations, False

    def decides(self, repo: RepoView, check: Check, subject: Subject) -> bool:
        services, integrations, everything = self._owners
        if everything or subject.kind is Kind.REPO:
            return True
        if subject.kind is Kind.JOB:
            return bool(services or integrations)  # a job's checks read its target service's routes
        if subject.kind is Kind.INTEGRATION:
            return subject.name in integrations or bool(services)  # an integration's checks may read a service's
        from scaffold.verify.subjects import home_service

        home = home_service(repo, subject)
        if home is None:  # an event of no service's family (platform.heartbeat): any service may publish it
            return bool(services or integrations)
        if home in services:
            return True
        if check.id not in CROSS_SERVICE_CHECKS or not (services or integrations):
            return False
        touched = repo.memo(("changed since", self.commit, self.changed), lambda: self._touched(repo))
        if touched is None:  # too much changed to narrow it down
            return True
        sdk_packages, events, manifests = touched
        if check.id in _SDK_READERS:
            return platform.sdk_package_name(subject.name) in sdk_packages
        if check.id in _LISTING_READERS and manifests:
            return True
        return check.id in _EVENT_READERS and subject.name in events

    def _touched(self, repo: RepoView) -> tuple[frozenset[str], frozenset[str], bool] | None:
        """What the changed files tie to other services' subjects, now and at REF: the SDK packages they import, the
        events their services list, subscribe to or enqueue, and whether a manifest or OpenAPI document changed."""
        from scaffold.checks._contracts import code_files
        from scaffold.checks._sdk import FILE_SDK_IMPORTS
        from scaffold.checks.event import FILE_ENQUEUES

        code = [path for path in self.changed if path.endswith(_TS_SUFFIXES) and not path.endswith(".d.ts")]
        if len(code) > _MOST_FILES_COMPARED:
            return None
        then = self._view_at_ref(repo)
        if then is None:
            return None
        sdk: set[str] = set()
        events: set[str] = set()
        for path in code:
            for view in (repo, then):
                if view.has_file(path):
                    sdk.update(declaration.module for declaration in view.fact(FILE_SDK_IMPORTS, path))
                    events.update(event for event, _line in view.fact(FILE_ENQUEUES, path))
        for service in self.services:
            manifest = f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}"
            for view in (repo, then):
                events.update(_listed_events(view, manifest))
            for path in code_files(repo, f"{platform.service_dir(service)}/src"):  # what it enqueues now
                events.update(event for event, _line in repo.fact(FILE_ENQUEUES, path))
        manifests = any(path.endswith((".yaml", ".yml", ".json")) for path in self.changed)
        return frozenset(sdk), frozenset(events), manifests

    def _view_at_ref(self, repo: RepoView) -> RepoView | None:
        """A view of the changed files as they were at REF (the others as they are), or None when git cannot say."""
        from scaffold.repofs.read import MAX_FILE_BYTES
        from scaffold.verify.identity import GitUnavailable, run_git

        if self.root is None:
            return None
        old: dict[str, bytes] = {}
        for path, blob, size in self.before:
            if size > MAX_FILE_BYTES or not path.endswith((*_TS_SUFFIXES, ".yaml", ".yml")):
                continue  # the verifier would not read it: no import, event or listing in it
            try:
                old[path] = run_git(self.root, "cat-file", "blob", blob).encode("utf-8", "surrogateescape")
            except GitUnavailable:
                return None
        listed = sorted(set(repo.files) | set(old))
        return RepoView(repo.root, overlay=old, listing=listed)


_TS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")


def _listed_events(view: RepoView, manifest: str) -> set[str]:
    """The events a service.yaml lists as published or subscribed to."""
    parsed = view.yaml(manifest)
    data = parsed.data if parsed is not None and parsed.ok else None
    contracts = data.get("contracts") if isinstance(data, dict) else None
    found: set[str] = set()
    for key in ("events_published", "events_subscribed"):
        listed = contracts.get(key) if isinstance(contracts, dict) else None
        if isinstance(listed, list):
            found.update(name for name in listed if isinstance(name, str))
    return found


def changed_since(root: Path, ref: str, listed: Sequence[str]) -> ChangedSince:
    """The files that differ between commit `ref` and the working tree (`listed`: the verifier's listing of it).
    git only names the commit and lists its tree; the bytes are compared here, in Python, so that no filter, hook
    or fsmonitor from the repo's config runs."""
    from scaffold import platform
    from scaffold.verify.identity import GitUnavailable, run_git

    if not ref or ref.startswith("-") or "\0" in ref:
        raise ScaffoldError(f"--changed-since {ref!r}: not a commit")
    try:
        commit = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
        tree = run_git(root, "ls-tree", "-r", "-l", "-z", commit)
    except GitUnavailable as error:
        raise ScaffoldError(f"--changed-since {ref}: {error}") from None
    skipped = {getattr(platform, name) for name in _NOT_INPUTS}
    committed: dict[str, tuple[str, str, int]] = {}  # path → (mode, blob id, size)
    for entry in tree.split("\0"):
        meta, tab, path = entry.partition("\t")
        fields = meta.split()
        if not tab or len(fields) != 4 or fields[1] != "blob" or not fields[3].isdigit():
            continue  # a submodule's commit: the verifier does not read into it
        parts = path.split("/")
        ignored = any(part in platform.IGNORED_DIRS for part in parts[:-1])
        if ignored or path.startswith(platform.VERIFY_CACHE_DIR + "/"):
            continue  # not in the listing, not read by any check: neither added nor deleted
        committed[path] = (fields[0], fields[2], int(fields[3]))
    changed = {path for path in committed if path not in skipped} - set(listed)  # deleted since
    added = set(listed) - set(committed)
    if any(_is_service_manifest(path) for path in changed | added):
        # a service added or removed: the set of services is read by checks of every subject
        changed.add(platform.SERVICES_DIR)
    prefix = os.path.join(root, "")
    for path in listed:
        if path in skipped:
            continue
        if path not in committed or _blob_id(prefix + path, committed[path][0]) != committed[path][1]:
            changed.add(path)
    before = tuple(sorted((path, *committed[path][1:]) for path in changed if path in committed))
    return ChangedSince(ref, commit, frozenset(changed), before, root)


def _is_service_manifest(path: str) -> bool:
    from scaffold import platform

    parts = path.split("/")
    return len(parts) == 3 and parts[0] == platform.SERVICES_DIR and parts[2] == platform.SERVICE_MANIFEST


def _blob_id(path: str, mode: str) -> str | None:
    """git's blob id of the file as it is now (a symlink's: of its target text, when git recorded a link)."""
    try:
        data = os.readlink(path).encode("utf-8", "surrogateescape") if mode == "120000" else _read(path)
    except OSError:
        return None
    if data is None:
        return None
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _read(path: str) -> bytes | None:
    """A regular file's bytes, never through a link (a link where git recorded a file counts as changed), never
    blocking on a FIFO or a device."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return handle.read()
    finally:
        os.close(descriptor)
