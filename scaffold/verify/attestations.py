"""Sign-offs, evidence and waivers kept in the repo, in .scaffold/attestations.yaml, and how they change findings.

A record names a checklist ID and a subject label ("service:billing", "repo"), who decided, when and why, and a
hash of the files the check `covers` (globs relative to the subject's folder, fnmatch-style: `*` crosses `/`).
`apply` turns findings into verdicts:

- needs_human + a sign-off → pass ("signed off by X on D: note"); a sign-off by a bot account → fail
- needs_evidence + evidence → pass ("evidence recorded by X on D: note")
- fail + a waiver with owner, reason, ticket and expiry → pass ("waived by X until D ..."); expired → fail
- any of these whose covered files changed since → stale ("signed off by X on D, but <files> changed since")
- a sign-off or evidence past its `expires` leaves the finding open, saying so

Reads use libyaml (CSafeLoader); `record` edits with ruamel.yaml round-trip so comments in the file survive.
A record, as `scaffold attest` writes it:

    attestations:
      - id: EP-04
        subject: endpoint:billing:createInvoice
        kind: signoff                  # signoff | evidence | waiver
        by: Ana Reviewer
        at: '2026-03-10T12:00:00Z'
        note: 60/min matches the cost of one invoice render
        link: https://...              # evidence: where it is; optional otherwise
        ticket: OPS-12                 # waivers only, with expires
        expires: '2026-04-01'          # inclusive; optional for sign-offs and evidence
        files_hash: 1f0c...            # blake2b of the covered files when recorded
        files: {services/billing/openapi.yaml: 9a4e...}   # per file, to name what changed
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import jsonschema

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.parsers import manifests
from scaffold.repofs.write import write_atomic
from scaffold.verify import clock
from scaffold.verify.model import Check, Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject

KINDS = ("signoff", "evidence", "waiver")
# Accounts that act for automation: they may record evidence (a CI run) but never sign off a judgement.
BOT_ACCOUNT = re.compile(r"\[bot\]$|^(bot|ci|github-actions|renovate|dependabot|scaffold|automation)$", re.IGNORECASE)
HEADER = (
    "Sign-offs, evidence and waivers for `scaffold verify`, written by `scaffold attest`.\n"
    "Each record is bound to a hash of the files its item covers: when they change, verify reports it as stale.\n"
)

SCHEMA: Mapping[str, object] = {
    "type": "object",
    "properties": {
        "attestations": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["id", "subject", "kind", "by", "at", "note", "files_hash"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "subject": {"type": "string", "minLength": 1},
                    "kind": {"enum": list(KINDS)},
                    "by": {"type": "string", "minLength": 1},
                    "at": {"type": ["string", "object"]},  # libyaml may read an unquoted timestamp as a datetime
                    "note": {"type": "string"},
                    "files_hash": {"type": "string"},
                    "files": {"type": "object", "additionalProperties": {"type": "string"}},
                    "link": {"type": ["string", "null"]},
                    "expires": {"type": ["string", "object", "null"]},
                    "ticket": {"type": ["string", "null"]},
                },
            },
        }
    },
    "additionalProperties": False,
}


class AttestationError(ScaffoldError):
    """.scaffold/attestations.yaml cannot be read, or a record cannot be made."""


@dataclass(frozen=True)
class Attestation:
    id: str
    subject: str  # a Subject label
    kind: str  # signoff | evidence | waiver
    by: str
    at: datetime  # UTC
    note: str
    files_hash: str
    files: Mapping[str, str] = field(default_factory=dict)  # path -> digest, to name what changed
    link: str | None = None
    expires: date | None = None
    ticket: str | None = None
    line: int | None = field(default=None, compare=False)  # where the record starts in the file

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and now.date() > self.expires


# --- reading ---------------------------------------------------------------------------------------------------
def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def load(root: Path) -> list[Attestation]:
    """Every record of the repo's attestations file ([] when there is none). Raises AttestationError."""
    path = root / platform.ATTESTATIONS
    if not path.is_file():
        return []
    try:
        parsed = manifests.load_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise AttestationError(f"{platform.ATTESTATIONS}: not UTF-8: {error}") from error
    if not parsed.ok:
        raise AttestationError(f"{platform.ATTESTATIONS}:{parsed.error_line}: not valid YAML: {parsed.error}")
    data = parsed.data or {}
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise AttestationError(f"{platform.ATTESTATIONS}: {where}: {errors[0].message}")
    records = []
    listed = data.get("attestations") if isinstance(data, Mapping) else None
    for index, raw in enumerate(listed or []):
        try:
            records.append(
                Attestation(
                    id=raw["id"],
                    subject=raw["subject"],
                    kind=raw["kind"],
                    by=raw["by"],
                    at=clock.as_utc(raw["at"]),
                    note=raw["note"],
                    files_hash=raw["files_hash"],
                    files=dict(raw.get("files") or {}),
                    link=raw.get("link"),
                    expires=_as_date(raw.get("expires")),
                    ticket=raw.get("ticket"),
                    line=parsed.line_of(("attestations", index)),
                )
            )
        except (TypeError, ValueError) as error:
            raise AttestationError(f"{platform.ATTESTATIONS}: attestations/{index}: {error}") from error
    return records


# --- what a record is bound to -----------------------------------------------------------------------------
def covered_files(repo: RepoView, check: Check, subject: Subject) -> list[str]:
    patterns = [subject.join(glob) for glob in check.covers]
    return sorted(
        path
        for path in repo.files
        if path != platform.ATTESTATIONS and any(fnmatch.fnmatchcase(path, p) for p in patterns)
    )


def digest(repo: RepoView, paths: Sequence[str]) -> tuple[str, dict[str, str]]:
    """blake2b over the sorted files' paths and contents, and each file's own digest."""
    per_file = {}
    for path in sorted(paths):
        per_file[path] = hashlib.blake2b((repo.root / path).read_bytes(), digest_size=16).hexdigest()
    overall = hashlib.blake2b(digest_size=16)
    for path, file_digest in per_file.items():
        overall.update(f"{path}\0{file_digest}\n".encode())
    return overall.hexdigest(), per_file


def find_subject(repo: RepoView, check: Check, label: str | None) -> Subject:
    """The check's subject with this label; without a label, the repo or the check's only subject."""
    subjects = repo.subjects(check.kind)
    if label is None:
        if len(subjects) == 1:
            return subjects[0]
        names = ", ".join(s.label for s in subjects) or "none"
        raise AttestationError(f"{check.id} runs over several subjects; name one with --subject ({names})")
    for subject in subjects:
        if subject.label == label:
            return subject
    names = ", ".join(s.label for s in subjects) or "none in this repo"
    raise AttestationError(f"{check.id} has no subject {label!r} (its subjects: {names})")


# --- writing ---------------------------------------------------------------------------------------------------
def record(
    root: Path,
    check: Check,
    subject_label: str | None,
    kind: str,
    by: str,
    note: str,
    *,
    link: str | None = None,
    expires: date | None = None,
    ticket: str | None = None,
    now: datetime | None = None,
) -> Attestation:
    """Append one record to .scaffold/attestations.yaml (created when missing) and return it."""
    by, note = by.strip(), note.strip()
    moment = clock.as_utc(now) if now is not None else clock.now()
    if kind not in KINDS:
        raise AttestationError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    if not by or not note:
        raise AttestationError("a record needs who decided (--by) and why (--note)")
    if kind == "signoff" and BOT_ACCOUNT.search(by):
        raise AttestationError(f"{by!r} is a bot account; a sign-off needs a person")
    if kind == "evidence" and not link:
        raise AttestationError("evidence needs a link to it (--evidence LINK)")
    if kind == "waiver" and (not ticket or expires is None):
        raise AttestationError("a waiver needs a ticket (--ticket) and an expiry date (--expires)")
    if expires is not None and expires < moment.date():
        raise AttestationError(f"--expires {expires.isoformat()} is in the past")
    repo = RepoView(root)
    subject = find_subject(repo, check, subject_label)
    files_hash, files = digest(repo, covered_files(repo, check, subject))
    attestation = Attestation(
        check.id, subject.label, kind, by, moment.replace(microsecond=0), note, files_hash, files, link, expires, ticket
    )
    _append(root, attestation)
    return attestation


def _append(root: Path, attestation: Attestation) -> None:
    from ruamel.yaml import YAML  # only writers pay for ruamel's import
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    editor = YAML()
    editor.preserve_quotes = True
    editor.width = 4096
    editor.indent(mapping=2, sequence=4, offset=2)
    path = root / platform.ATTESTATIONS
    document = editor.load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if document is None:
        document = CommentedMap()
        document.yaml_set_start_comment(HEADER)
    if document.get("attestations") is None:
        document["attestations"] = CommentedSeq()
    entry = CommentedMap()
    entry["id"] = attestation.id
    entry["subject"] = attestation.subject
    entry["kind"] = attestation.kind
    entry["by"] = attestation.by
    entry["at"] = attestation.at.isoformat().replace("+00:00", "Z")
    entry["note"] = attestation.note
    for key, value in (
        ("link", attestation.link),
        ("ticket", attestation.ticket),
        ("expires", attestation.expires.isoformat() if attestation.expires else None),
    ):
        if value is not None:
            entry[key] = value
    entry["files_hash"] = attestation.files_hash
    if attestation.files:
        entry["files"] = CommentedMap(attestation.files)
    document["attestations"].append(entry)
    text = io.StringIO()
    editor.dump(document, text)
    try:  # temp file + rename, never through a link: a full disk or a crash leaves the old file whole
        write_atomic(root, platform.ATTESTATIONS, text.getvalue().encode("utf-8"))
    except OSError as error:
        raise AttestationError(f"{platform.ATTESTATIONS}: not written ({error.strerror}); it is unchanged") from None


# --- applying --------------------------------------------------------------------------------------------------
class _Binding:
    """Covered-file hashes of (check, subject label), computed once per apply."""

    def __init__(self, repo: RepoView, checks: Mapping[str, Check]) -> None:
        self.repo, self.checks = repo, checks
        self._cache: dict[tuple[str, str], tuple[str, dict[str, str]] | None] = {}

    def current(self, check_id: str, label: str) -> tuple[str, dict[str, str]] | None:
        key = (check_id, label)
        if key not in self._cache:
            check = self.checks.get(check_id)
            subject = self._subject(check, label) if check is not None else None
            self._cache[key] = (
                digest(self.repo, covered_files(self.repo, check, subject))
                if check is not None and subject is not None
                else None
            )
        return self._cache[key]

    def _subject(self, check: Check, label: str) -> Subject | None:
        kind = Kind.REPO if label == "repo" else next((k for k in Kind if label.startswith(f"{k.value}:")), None)
        if kind is None:
            return None
        return next((s for s in self.repo.subjects(kind) if s.label == label), None)


def _changed(record: Attestation, current: tuple[str, dict[str, str]]) -> list[str]:
    files_hash, files = current
    if files_hash == record.files_hash:
        return []
    if not record.files:
        return sorted(files) or ["its covered files"]
    return sorted(p for p in set(files) | set(record.files) if files.get(p) != record.files.get(p))


def _latest(records: Iterable[Attestation], kind: str) -> Attestation | None:
    chosen = [r for r in records if r.kind == kind]
    return max(chosen, key=lambda r: r.at) if chosen else None


def _day(moment: datetime | date) -> str:
    return (moment.date() if isinstance(moment, datetime) else moment).isoformat()


def _decide(finding: Finding, records: list[Attestation], binding: _Binding, now: datetime) -> Finding:
    wanted = {Status.NEEDS_HUMAN: "signoff", Status.NEEDS_EVIDENCE: "evidence", Status.FAIL: "waiver"}.get(
        finding.status
    )
    chosen = _latest(records, wanted) if wanted else None
    if chosen is None:
        return finding
    verb = {"signoff": "signed off", "evidence": "evidence recorded", "waiver": "waived"}[chosen.kind]
    who = f"{verb} by {chosen.by} on {_day(chosen.at)}"
    if chosen.kind == "signoff" and BOT_ACCOUNT.search(chosen.by):
        return replace(
            finding,
            status=Status.FAIL,
            message=f"{who}, but {chosen.by} is a bot account: a sign-off needs a person",
            file=platform.ATTESTATIONS,
            line=chosen.line,
            fix=f"have a person sign off: scaffold attest {finding.check_id} --by NAME",
        )
    if chosen.kind == "waiver":
        missing = [
            name
            for name, value in (
                ("an owner", chosen.by),
                ("a reason", chosen.note),
                ("a ticket", chosen.ticket),
                ("an expiry", chosen.expires),
            )
            if not value
        ]
        if missing:
            return replace(finding, message=f"{finding.message} (waiver ignored: it lacks {', '.join(missing)})")
        if chosen.expired(now):
            return replace(finding, message=f"{finding.message} (waiver expired on {_day(chosen.expires)})")  # type: ignore[arg-type]
    elif chosen.expired(now):
        return replace(finding, message=f"{finding.message} ({who}, expired on {_day(chosen.expires)})")  # type: ignore[arg-type]
    current = binding.current(finding.check_id, finding.subject or "repo")
    changed = _changed(chosen, current) if current is not None else []
    if changed:
        return replace(
            finding,
            status=Status.STALE,
            message=f"{who}, but {', '.join(changed)} changed since",
            fix=f"review the change and record it again: scaffold attest {finding.check_id}"
            + ("" if finding.subject in (None, "repo") else f" --subject {finding.subject}"),
        )
    link = f" ({chosen.link})" if chosen.link else ""
    if chosen.kind == "waiver":
        message = (
            f"waived by {chosen.by} until {_day(chosen.expires)} (ticket {chosen.ticket}): {chosen.note}"  # type: ignore[arg-type]
            f" — still failing: {finding.message}"
        )
    else:
        message = f"{who}: {chosen.note}{link}"
    return replace(finding, status=Status.PASS, message=message, fix=None)


def apply(
    findings: Sequence[Finding],
    records: Sequence[Attestation],
    repo: RepoView,
    *,
    now: datetime | None = None,
    checks: Mapping[str, Check] | None = None,
) -> list[Finding]:
    """The findings with sign-offs, evidence and waivers applied (see the module docstring)."""
    if not records:
        return list(findings)
    if checks is None:
        from scaffold.checks import catalogue

        checks = catalogue()
    moment = clock.as_utc(now) if now is not None else clock.now()
    by_item: dict[tuple[str, str], list[Attestation]] = {}
    for item in records:
        by_item.setdefault((item.id, item.subject), []).append(item)
    binding = _Binding(repo, checks)
    return [_decide(f, by_item.get((f.check_id, f.subject or "repo"), []), binding, moment) for f in findings]
