"""Sign-offs, evidence and waivers kept in the repo, in .scaffold/attestations.yaml, and how they change findings.

A record names a checklist ID and a subject label ("service:billing", "repo"), who decided, when and why, and a
hash of the files the check `covers` (globs relative to the subject's folder, fnmatch-style: `*` crosses `/`).
`apply` turns findings into verdicts:

- needs_human + a sign-off → pass ("signed off by X on D: note"); a sign-off by a bot account → fail; on an
  item that needs "a reviewer other than the author" (`Check.independent`), a sign-off by an author of the commits
  it covers (scaffold/verify/identity.py `History`) → fail
- needs_evidence + evidence → pass ("evidence recorded by X on D: note")
- fail + a waiver recorded against this very failure (its fingerprint is in the record's `waives`), with owner,
  reason, ticket and expiry → waived; expired → fail; a different failure → fail
- any of these whose covered files changed since → stale ("signed off by X on D, but <files> changed since")
- a record whose fields no longer match its `digest` → stale ("record edited by hand since it was written")
- a sign-off or evidence past its `expires` leaves the finding open, saying so

Names are compared, and bots recognised, by their Unicode skeleton (identity.py). The digest is a plain hash, not
a signature: it catches a hand edit, not someone who recomputes it (docs/SECURITY.md).

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
        waives: [5b1e...]              # waivers only: fingerprints of the failures waived (`fingerprint`)
        digest: 77d2...                # blake2b over every field above (`record_digest`)

Re-attesting the same ID, subject and kind replaces the earlier record.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
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
from scaffold.verify import clock, identity
from scaffold.verify.model import Check, Finding, Kind, Status, Waiver, attest_hint
from scaffold.verify.repo import RepoView, Subject

KINDS = ("signoff", "evidence", "waiver")
EDITED = "record edited by hand since it was written"
UNSEALED = "record has no digest (written by hand or by an older scaffold)"
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
                    "waives": {"type": "array", "items": {"type": "string"}},
                    "digest": {"type": "string"},
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
    waives: tuple[str, ...] = ()  # waivers: the fingerprints of the failures recorded against
    digest: str | None = None  # over the fields above, as `record` wrote them
    line: int | None = field(default=None, compare=False)  # where the record starts in the file

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and now.date() > self.expires

    def sealed(self) -> Attestation:
        return replace(self, digest=record_digest(self))


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def record_digest(attestation: Attestation) -> str:
    """blake2b over every field of the record (and so over its covered files, through `files_hash` and `files`)."""
    fields = {
        "id": attestation.id,
        "subject": attestation.subject,
        "kind": attestation.kind,
        "by": attestation.by,
        "at": _timestamp(attestation.at),
        "note": attestation.note,
        "files_hash": attestation.files_hash,
        "files": dict(sorted(attestation.files.items())),
        "link": attestation.link,
        "expires": attestation.expires.isoformat() if attestation.expires else None,
        "ticket": attestation.ticket,
        "waives": sorted(attestation.waives),
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(f"scaffold-attestation-1\n{canonical}".encode(), digest_size=16).hexdigest()


def fingerprint(finding: Finding) -> str:
    """What identifies a failure across runs: its ID, subject, file and message with the numbers masked (a
    message may carry the time or a count; a line number moves with unrelated edits above it)."""
    message = re.sub(r"\d+", "#", finding.message)
    text = "\0".join((finding.check_id, finding.subject or "repo", finding.file or "", message))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


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
                    waives=tuple(raw.get("waives") or ()),
                    digest=raw.get("digest"),
                    line=parsed.line_of(("attestations", index)),
                )
            )
        except (TypeError, ValueError) as error:
            raise AttestationError(f"{platform.ATTESTATIONS}: attestations/{index}: {error}") from error
    return records


# --- what a record is bound to -----------------------------------------------------------------------------
def covered_files(repo: RepoView, check: Check, subject: Subject) -> list[str]:
    """The files a record of `check` on `subject` is sealed over: its `covers` globs below the subject's folder, the
    service's OpenAPI document wherever its service.yaml declares it."""
    patterns = [
        repo.service_openapi(subject.name)
        if glob == platform.SERVICE_OPENAPI and subject.kind is Kind.SERVICE
        else subject.join(glob)
        for glob in check.covers
    ]
    return sorted(
        path
        for path in repo.files
        if path != platform.ATTESTATIONS and any(fnmatch.fnmatchcase(path, p) for p in patterns)
    )


# Past this many covered files a record names what changed by folder (`services/billing/`), not by file, so a
# record of what a deploy ships (thousands of files) stays a few lines long.
FILES_LISTED_UP_TO = 200


def digest(repo: RepoView, paths: Sequence[str], known: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """blake2b over the sorted files' paths and contents, and each file's own digest (each folder's, past
    FILES_LISTED_UP_TO files). `known`: file digests already computed in this run, reused and added to."""
    per_file = {}
    for path in sorted(paths):
        file_digest = known.get(path) if known is not None else None
        if file_digest is None:
            file_digest = hashlib.blake2b((repo.root / path).read_bytes(), digest_size=16).hexdigest()
            if known is not None:
                known[path] = file_digest
        per_file[path] = file_digest
    overall = hashlib.blake2b(digest_size=16)
    for path, file_digest in per_file.items():
        overall.update(f"{path}\0{file_digest}\n".encode())
    if len(per_file) <= FILES_LISTED_UP_TO:
        return overall.hexdigest(), per_file
    folders: dict[str, hashlib.blake2b] = {}
    for path, file_digest in per_file.items():
        parts = path.split("/")
        folder = "/".join(parts[:2]) + "/" if len(parts) > 2 else path
        folders.setdefault(folder, hashlib.blake2b(digest_size=16)).update(f"{path}\0{file_digest}\n".encode())
    return overall.hexdigest(), {folder: hashed.hexdigest() for folder, hashed in folders.items()}


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
# Values copied from a hint without being filled in: NAME, WHY, LINK, `...`, TODO, `<reviewer>`, YYYY-MM-DD.
_HINT_WORDS = re.compile(
    r"^\s*(name|why|link|url|ticket|note|reviewer|owner|on-?call|t|yyyy-mm-dd|\.\.\.|…)\s*$|<[^<>@]*>|…", re.IGNORECASE
)
WANTED_BY_KIND = {"signoff": Status.NEEDS_HUMAN, "evidence": Status.NEEDS_EVIDENCE, "waiver": Status.FAIL}


def placeholder_problem(option: str, value: str | None) -> str | None:
    """Why `value` given for `option` is a placeholder copied from a hint, or None."""
    if value is None:
        return None
    if manifests.is_placeholder(value) or _HINT_WORDS.search(value):
        return f"{option} {value!r} is a placeholder; give the real value"
    return None


def current_findings(repo: RepoView, check: Check, subject: Subject) -> list[Finding]:
    """The check's own findings on `subject` now, before any record is applied."""
    try:
        found = list(check.run(repo, subject))
    except Exception as error:  # the check's own bug: say so rather than record blind
        raise AttestationError(
            f"{check.id} could not be run on {subject.label}: {type(error).__name__}: {error}"
        ) from error
    return [f if f.subject else replace(f, subject=subject.label) for f in found]


def _refusal(check: Check, subject: Subject, kind: str, findings: Sequence[Finding]) -> str | None:
    """Why a record of `kind` would change nothing (or pass a failing automatic check), or None."""
    failing = [f for f in findings if f.status is Status.FAIL]
    if kind == "waiver":
        if failing:
            return None
        return (
            f"{check.id} does not fail for {subject.label}: there is nothing to waive "
            "(a waiver covers only the failure it is recorded against)"
        )
    if any(f.status is WANTED_BY_KIND[kind] for f in findings):
        return None
    if failing:
        return (
            f"{check.id} fails for {subject.label} ({failing[0].message}); a {kind} cannot pass an automatic check — "
            f"fix it, or waive it: scaffold attest {check.id} --subject {subject.label} --waive --ticket … --expires …"
        )
    statuses = ", ".join(sorted({f.status.value for f in findings})) or "no finding"
    wanted = "sign-off" if kind == "signoff" else "evidence"
    return f"{check.id} asks for no {wanted} for {subject.label} (it is {statuses}): there is nothing to record"


def default_note(kind: str, findings: Sequence[Finding]) -> str:
    """The note of a record made without --note: what the open finding asked, confirmed."""
    wanted = next((f for f in findings if f.status is WANTED_BY_KIND[kind]), None)
    if wanted is None:
        return ""
    asked = wanted.message.split(": ", 1)[-1] if ": " in wanted.message else wanted.message
    return f"confirmed: {asked}"


def self_approval(root: Path, check: Check, repo: RepoView, subject: Subject, by: str) -> str | None:
    """Why `by` may not sign off `check` (an author of the change it covers), or None. Unknown history → None."""
    if not check.independent:
        return None
    try:
        change = identity.History(root).change(covered_files(repo, check, subject), repo.files)
    except identity.GitUnavailable:
        return None
    if change.includes(identity.Person.parse(by)):
        return (
            f"{by} is an author of the change {check.id} covers ({change.described}); "
            f"{check.id} needs a reviewer other than the author"
        )
    return None


def record(
    root: Path,
    check: Check,
    subject_label: str | None,
    kind: str,
    by: str,
    note: str | None,
    *,
    link: str | None = None,
    expires: date | None = None,
    ticket: str | None = None,
    now: datetime | None = None,
) -> Attestation:
    """Write one record to .scaffold/attestations.yaml (created when missing), replacing an earlier record of the
    same ID, subject and kind, and return it. Refuses (AttestationError) a placeholder value, a bot's or an
    author's sign-off, a waiver while the item does not fail, and a record the item does not ask for."""
    by, note = by.strip(), (note or "").strip()
    moment = clock.as_utc(now) if now is not None else clock.now()
    if kind not in KINDS:
        raise AttestationError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    for option, value in (("--by", by), ("--note", note or None), ("--ticket", ticket), ("--evidence", link)):
        problem = placeholder_problem(option, value)
        if problem:
            raise AttestationError(problem)
    if not by:
        raise AttestationError("a record needs who decided (--by)")
    if kind == "signoff" and identity.is_bot(by):
        raise AttestationError(f"{by!r} is a bot account; a sign-off needs a person")
    if kind == "evidence" and not link:
        raise AttestationError("evidence needs a link to it (--evidence LINK)")
    if kind == "waiver" and (not ticket or expires is None or not note):
        raise AttestationError("a waiver needs a ticket (--ticket), an expiry date (--expires) and a reason (--note)")
    if expires is not None and expires < moment.date():
        raise AttestationError(f"--expires {expires.isoformat()} is in the past")
    repo = RepoView(root)
    subject = find_subject(repo, check, subject_label)
    with clock.frozen(moment):
        findings = current_findings(repo, check, subject)
    refusal = _refusal(check, subject, kind, findings) or (
        self_approval(root, check, repo, subject, by) if kind == "signoff" else None
    )
    if refusal:
        raise AttestationError(refusal)
    waives = tuple(sorted({fingerprint(f) for f in findings if f.status is Status.FAIL})) if kind == "waiver" else ()
    files_hash, files = digest(repo, covered_files(repo, check, subject))
    attestation = Attestation(
        check.id,
        subject.label,
        kind,
        by,
        moment.replace(microsecond=0),
        note or default_note(kind, findings),
        files_hash,
        files,
        link,
        expires,
        ticket,
        waives,
    ).sealed()
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
    listed = document["attestations"]
    # Re-attesting replaces: drop earlier records of the same ID, subject and kind (from the end, so indexes hold).
    for index in reversed(range(len(listed))):
        earlier = listed[index]
        if isinstance(earlier, Mapping) and (earlier.get("id"), earlier.get("subject"), earlier.get("kind")) == (
            attestation.id,
            attestation.subject,
            attestation.kind,
        ):
            del listed[index]
    entry = CommentedMap()
    entry["id"] = attestation.id
    entry["subject"] = attestation.subject
    entry["kind"] = attestation.kind
    entry["by"] = attestation.by
    entry["at"] = _timestamp(attestation.at)
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
    if attestation.waives:
        entry["waives"] = CommentedSeq(attestation.waives)
    entry["digest"] = attestation.digest
    document["attestations"].append(entry)
    text = io.StringIO()
    editor.dump(document, text)
    try:  # temp file + rename, never through a link: a full disk or a crash leaves the old file whole
        write_atomic(root, platform.ATTESTATIONS, text.getvalue().encode("utf-8"))
    except OSError as error:
        raise AttestationError(f"{platform.ATTESTATIONS}: not written ({error.strerror}); it is unchanged") from None


# --- applying --------------------------------------------------------------------------------------------------
class _Binding:
    """Covered-file hashes of (check, subject label), computed once per apply, and the repo's history (read only
    when an item needing an independent reviewer has a sign-off)."""

    def __init__(self, repo: RepoView, checks: Mapping[str, Check]) -> None:
        self.repo, self.checks = repo, checks
        self._cache: dict[tuple[str, str], tuple[str, dict[str, str]] | None] = {}
        self._covered: dict[tuple[str, str], list[str]] = {}
        self._file_digests: dict[str, str] = {}  # DEPLOY-03 and DEPLOY-06 cover the same thousands of files
        self._history: identity.History | None = None

    def current(self, check_id: str, label: str) -> tuple[str, dict[str, str]] | None:
        key = (check_id, label)
        if key not in self._cache:
            check = self.checks.get(check_id)
            subject = self._subject(check, label) if check is not None else None
            if check is None or subject is None:
                self._cache[key] = None
            else:
                self._covered[key] = covered_files(self.repo, check, subject)
                self._cache[key] = digest(self.repo, self._covered[key], self._file_digests)
        return self._cache[key]

    def change(self, check_id: str, label: str) -> identity.Change:
        """The change a sign-off of (check, subject) covers. Raises identity.GitUnavailable."""
        self.current(check_id, label)
        if self._history is None:
            self._history = identity.History(self.repo.root)
        return self._history.change(self._covered.get((check_id, label), []), self.repo.files)

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


def _again(finding: Finding) -> str:
    return f"review the change and record it again: {attest_hint(finding)}"


def _decide(finding: Finding, records: list[Attestation], binding: _Binding, now: datetime) -> Finding:
    wanted = {Status.NEEDS_HUMAN: "signoff", Status.NEEDS_EVIDENCE: "evidence", Status.FAIL: "waiver"}.get(
        finding.status
    )
    chosen = _latest(records, wanted) if wanted else None
    if chosen is None:
        return finding
    verb = {"signoff": "signed off", "evidence": "evidence recorded", "waiver": "waived"}[chosen.kind]
    who = f"{verb} by {chosen.by} on {_day(chosen.at)}"
    if chosen.kind == "signoff" and identity.is_bot(chosen.by):
        return replace(
            finding,
            status=Status.FAIL,
            message=f"{who}, but {chosen.by} is a bot account: a sign-off needs a person",
            file=platform.ATTESTATIONS,
            line=chosen.line,
            fix=f"have a person (their git identity is the default --by) run: {attest_hint(finding)}",
        )
    if chosen.kind == "waiver":
        return _waive(finding, chosen, who, binding, now)
    if chosen.digest != record_digest(chosen):
        return replace(
            finding,
            status=Status.STALE,
            message=f"{who}: {EDITED if chosen.digest else UNSEALED}",
            file=platform.ATTESTATIONS,
            line=chosen.line,
            fix=_again(finding),
        )
    if chosen.expired(now):
        return replace(finding, message=f"{finding.message} ({who}, expired on {_day(chosen.expires)})")  # type: ignore[arg-type]
    current = binding.current(finding.check_id, finding.subject or "repo")
    changed = _changed(chosen, current) if current is not None else []
    if changed:
        return replace(
            finding, status=Status.STALE, message=f"{who}, but {', '.join(changed)} changed since", fix=_again(finding)
        )
    unchecked = ""
    check = binding.checks.get(finding.check_id)
    if chosen.kind == "signoff" and check is not None and check.independent:
        try:
            change = binding.change(finding.check_id, finding.subject or "repo")
        except identity.GitUnavailable as error:
            unchecked = f" (not checked against the change's authors: {error})"
        else:
            if change.includes(identity.Person.parse(chosen.by)):
                return replace(
                    finding,
                    status=Status.FAIL,
                    message=f"{who}, but {chosen.by} is an author of the change it covers ({change.described}): "
                    f"{finding.check_id} needs a reviewer other than the author",
                    file=platform.ATTESTATIONS,
                    line=chosen.line,
                    fix=f"have a reviewer who did not write the change run: {attest_hint(finding)}",
                )
    link = f" ({chosen.link})" if chosen.link else ""
    return replace(finding, status=Status.PASS, message=f"{who}: {chosen.note}{link}{unchecked}", fix=None)


def _waive(finding: Finding, chosen: Attestation, who: str, binding: _Binding, now: datetime) -> Finding:
    """A failing finding under a waiver: `waived` only when the waiver is whole, unedited, unexpired, recorded
    against this very failure, and its covered files are unchanged. Otherwise the failure stays a failure — never
    `stale`, which would not fail the run — and the message says why the waiver did not count."""
    missing = [
        name
        for name, value in (("an owner", chosen.by), ("a reason", chosen.note), ("a ticket", chosen.ticket))
        if not value
    ] + (["an expiry"] if chosen.expires is None else [])
    if missing:
        reason = f"it lacks {', '.join(missing)}"
    elif chosen.digest != record_digest(chosen):
        reason = EDITED if chosen.digest else UNSEALED
    elif fingerprint(finding) not in chosen.waives:
        reason = f"the waiver {who} covers a different failure"
    elif chosen.expired(now):
        reason = f"expired on {_day(chosen.expires)}"  # type: ignore[arg-type]
    else:
        current = binding.current(finding.check_id, finding.subject or "repo")
        changed = _changed(chosen, current) if current is not None else []
        reason = f"{', '.join(changed)} changed since it was recorded" if changed else ""
    if reason:
        return replace(finding, message=f"{finding.message} (waiver ignored: {reason})")
    assert chosen.expires is not None and chosen.ticket is not None  # `missing` is empty
    return replace(
        finding,
        status=Status.WAIVED,
        message=f"waived by {chosen.by} until {_day(chosen.expires)} (ticket {chosen.ticket}): {chosen.note}"
        f" — still failing: {finding.message}",
        fix=None,
        waiver=Waiver(chosen.by, chosen.ticket, _day(chosen.expires), chosen.note),
    )


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
