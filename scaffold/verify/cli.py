"""The verifier's side of the command line: `scaffold verify` and `scaffold attest` (argparse lives in
scaffold/commands/verify.py)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.terminal import wants_color
from scaffold.verify.model import Finding, Kind, Status, attest_hint

if TYPE_CHECKING:
    from scaffold.verify.engine import Decides
    from scaffold.verify.repo import RepoView
    from scaffold.verify.results import ResultStore
    from scaffold.verify.scope import ChangedSince, Shard

OPEN = (Status.NEEDS_HUMAN, Status.NEEDS_EVIDENCE, Status.STALE)


def _platform_root(start: Path) -> tuple[Path, str | None]:
    if not start.exists():
        raise ScaffoldError(f"{start}: no such file or folder")
    root = platform.find_platform_root(start if start.is_dir() else start.parent)
    if root is None:
        raise ScaffoldError(f"{start.resolve()} is not inside a platform repo (no {platform.MARKER})")
    if os.path.lexists(root / platform.APPLY_JOURNAL):  # one lstat on the warm path
        from scaffold.repofs import journal

        journal.recover(root)
    resolved = start.resolve()
    return root, None if resolved == root else resolved.relative_to(root).as_posix()


def _only(values: list[str]) -> tuple[str, ...]:
    from scaffold.checks import catalogue

    ids = catalogue()
    wanted = tuple(item.strip().upper() for value in values for item in value.split(",") if item.strip())
    for item in wanted:
        if item not in ids and not any(check_id.startswith(item.rstrip("-") + "-") for check_id in ids):
            raise ScaffoldError(
                f"--only {item}: no checklist ID or prefix by that name (`scaffold checklist` lists them)"
            )
    return wanted


def todo_lines(findings: list[Finding]) -> list[str]:
    """The items left for a person, each with the command that records its answer."""
    lines = []
    for finding in findings:
        if finding.status not in OPEN:
            continue
        label = finding.status.value.replace("_", " ")
        subject = f" [{finding.subject}]" if finding.subject else ""
        lines.append(f"  [ ] {finding.check_id}{subject} ({label}): {finding.message}")
        if finding.status is Status.STALE and finding.fix:  # the fix knows the record's kind (sign-off, evidence)
            lines.append(f"        {finding.fix}")
        else:
            lines.append(f"        record: {attest_hint(finding)}")
    return lines


def run_verify(args: argparse.Namespace) -> int:
    from scaffold.verify import cache, clock
    from scaffold.verify.listing import scan

    root, subject_path = _platform_root(Path(args.path))
    if args.dry_run and not args.fix:
        raise ScaffoldError("--dry-run goes with --fix")
    shard = _shard_option(args)
    if args.fix:
        from scaffold.generators.base import finish
        from scaffold.repofs.lock import repo_lock
        from scaffold.verify.engine import run_checks
        from scaffold.verify.fix import plan_fixes, unfixable

        with repo_lock(root, "fix"):  # planned and applied on a tree no other writer changes meanwhile
            finish(plan_fixes(root), dry_run=args.dry_run, what="scaffold verify --fix")
        # What is still failing (after the fix; with --dry-run, before it) that no derivation can fix: said plainly.
        left = unfixable(root, run_checks(root), applied=not args.dry_run)
        if left:
            print(f"scaffold verify --fix: {len(left)} failure(s) it cannot fix:", file=sys.stderr)
            print("\n".join(left), file=sys.stderr)
    color = args.format == "text" and args.output is None and wants_color(sys.stdout)
    cacheable = not (args.no_cache or args.probe or args.probe_url or (args.fix and not args.dry_run))
    key, listed, changed = "", None, None
    tokens: dict[str, str] = {}  # listed files' content tokens, hashed for the key, handed to the results
    if args.changed_since is not None:
        from scaffold.verify.scope import changed_since

        listed = scan(root)
        changed = changed_since(root, args.changed_since, listed.paths)
    decided_at = clock.now()  # the clock is not in the key: the entry holds from now until the next boundary
    if cacheable:
        options = [
            repr(sorted(args.only)),
            repr(sorted(args.kind)),
            str(subject_path),
            args.format,
            str(args.summary),
            str(args.strict),
            str(color),
            str(shard),
        ]
        listed = listed or scan(root)
        if changed is not None:
            options.append(f"changed since {changed.commit}")
        key = cache.fingerprint(root, listed, options, tokens)
        hit = cache.load(root, key, decided_at)
        if hit is not None:
            return emit_report(args, *hit)
    results = None
    if cacheable:  # the report as a whole was not kept: the pairs whose inputs did not change may have been
        from scaffold.verify.results import ResultStore

        results = ResultStore.open(root)
    paths = None if listed is None else listed.paths
    report, status = _decide(args, root, subject_path, color, paths, shard, changed, results, tokens)
    if key and listed is not None:
        cache.store(root, key, report, status, decided_at, cache.valid_until(root, listed.paths, decided_at))
    return emit_report(args, report, status)


def _shard_option(args: argparse.Namespace) -> Shard | None:
    """`--shard K/N`, checked with the options it cannot go with; None without it. Sets the format (JSON)."""
    if getattr(args, "shard", None) is None:
        args.format = args.format or "text"
        return None
    from scaffold.verify.scope import Shard

    if args.format not in (None, "json"):
        raise ScaffoldError("--shard writes a JSON report (merge the shards with `scaffold report merge`)")
    if args.summary or args.fix or args.probe or args.probe_url:
        raise ScaffoldError("--shard goes with none of --summary, --fix, --probe, --probe-url")
    args.format = "json"
    return Shard.parse(args.shard)


def shard_options(args: argparse.Namespace, subject_path: str | None, changed: ChangedSince | None) -> list[str]:
    """What every shard of one run must agree on besides the tree (and `report merge` checks they do)."""
    since = None if changed is None else changed.commit
    return [f"only={sorted(args.only)}", f"kind={sorted(args.kind)}", f"path={subject_path}", f"strict={args.strict}",
            f"changed_since={since}"]  # fmt: skip


def _both(first: Decides, second: Decides) -> Decides:
    return lambda repo, check, subject: first(repo, check, subject) and second(repo, check, subject)


def _decide(
    args: argparse.Namespace,
    root: Path,
    subject_path: str | None,
    color: bool,
    listing: list[str] | None = None,
    shard: Shard | None = None,
    changed: ChangedSince | None = None,
    results: ResultStore | None = None,
    tokens: dict[str, str] | None = None,
) -> tuple[str, int]:
    """Run the checks (over `listing`, the repo's files, when the caller has listed them) and render the report;
    returns it with the exit status. With `shard`, only its share, and the JSON report says which share it is; with
    `changed`, only the subjects the changes touch (scope.ChangedSince), and the JSON report says since when."""
    from scaffold.verify import reporters
    from scaffold.verify.engine import Selection, run_checks
    from scaffold.verify.repo import RepoView

    selection = Selection(only=_only(args.only), kinds=tuple(Kind(k) for k in args.kind), subject_path=subject_path)
    plan_order: list[str] = []
    parts = [part.decides for part in (shard, changed) if part is not None]
    decides = None if not parts else parts[0] if len(parts) == 1 else _both(*parts)
    findings = run_checks(
        root, selection, listing=listing, decides=decides, plan_order=plan_order, results=results, tokens=tokens
    )
    extra: dict[str, object] = {}
    if changed is not None:
        extra["changed_since"] = {"ref": changed.ref, "all_subjects": changed.everything}
    if shard is not None:
        from scaffold.verify.scope import catalogue_fingerprint

        about = {"index": shard.index, "count": shard.count, "scaffold": catalogue_fingerprint(),
                 "options": shard_options(args, subject_path, changed), "subjects": plan_order}  # fmt: skip
        about["owners"] = owners_of(RepoView(root), findings)
        extra["shard"] = about
    if args.probe or args.probe_url:
        from scaffold.verify.probe import apply_probes, parse_overrides

        overrides = parse_overrides(args.probe_url)
        findings = apply_probes(findings, RepoView(root), overrides, declared_hosts=args.probe)
    if args.format == "json" and extra:
        report = reporters.render_json(findings, extra=extra)
    elif args.summary and args.format == "text":
        report = reporters.summary(findings) + "\n" + "\n".join(todo_lines(findings)) + "\n"
    else:
        owners = owners_of(RepoView(root), findings) if args.format == "html" else None
        report = reporters.render(args.format, findings, color=color, owners=owners)
    return report, exit_status(findings, strict=args.strict)


def owners_of(repo: RepoView, findings: list[Finding]) -> dict[str, str]:
    """Subject label -> the owning team its service.yaml names (services, and the endpoints they serve), for the
    HTML report's owner filter; only the subjects `findings` name. A shard records its part, and `report merge`
    joins them into what the single run would have found."""
    from scaffold.verify.subjects import endpoints

    named = {f.subject for f in findings if f.subject}
    owners: dict[str, str] = {}
    for service in repo.service_names:
        parsed = repo.yaml(f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}")
        owner = parsed.data.get("owner") if parsed is not None and parsed.ok and isinstance(parsed.data, dict) else None
        if isinstance(owner, str) and owner.strip():
            owners[f"service:{service}"] = owner
    if any(subject.startswith("endpoint:") for subject in named):
        for endpoint in endpoints(repo):
            if f"service:{endpoint.service}" in owners:
                owners[f"endpoint:{endpoint.name}"] = owners[f"service:{endpoint.service}"]
    return {subject: owner for subject, owner in sorted(owners.items()) if subject in named}


def exit_status(findings: list[Finding], strict: bool) -> int:
    """1 when something fails (with `strict`, also while human or evidence items are open), else 0."""
    return int(any(f.status is Status.FAIL for f in findings) or (strict and any(f.status in OPEN for f in findings)))


def emit_report(args: argparse.Namespace, report: str | bytes, status: int) -> int:
    """Write the report (text, or the cache's UTF-8 bytes) to --output or stdout; returns the exit status."""
    data = report.encode("utf-8") if isinstance(report, str) else report
    data = data if data.endswith(b"\n") else data + b"\n"
    if args.output:
        Path(args.output).write_bytes(data)
    elif hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:  # a text-only stdout (a test's StringIO)
        sys.stdout.write(data.decode("utf-8"))
    return status


def run_attest(args: argparse.Namespace) -> int:
    from scaffold.checks import catalogue
    from scaffold.repofs.lock import repo_lock
    from scaffold.verify import attestations, identity

    root, _ = _platform_root(Path(args.repo))
    check = catalogue().get(args.id.upper())
    if check is None:
        raise ScaffoldError(f"unknown checklist ID {args.id!r}; `scaffold checklist` lists them")
    expires = None
    if args.expires:
        try:
            expires = date.fromisoformat(args.expires)
        except ValueError:
            raise ScaffoldError(f"--expires {args.expires!r}: expected YYYY-MM-DD") from None
    if args.waive and args.evidence:
        raise ScaffoldError("--waive and --evidence are different records; give one")
    kind = "waiver" if args.waive else "evidence" if args.evidence else "signoff"
    by = args.by
    if by is None:
        person = identity.git_identity(root)
        if person is None:
            raise ScaffoldError("--by is required: there is no git identity here (git config user.name / user.email)")
        by = str(person)
    from scaffold.repofs.paths import check_no_symlink

    with repo_lock(root, "attest"):  # read, append, write: a parallel attest waits, so no record is lost
        check_no_symlink(root, platform.ATTESTATIONS)
        record = attestations.record(
            root,
            check,
            args.subject,
            kind,
            by,
            args.note,
            link=args.evidence or args.link,
            expires=expires,
            ticket=args.ticket,
        )
    print(f"recorded {kind} for {record.id} [{record.subject}] by {record.by} in {platform.ATTESTATIONS}")
    return 0
