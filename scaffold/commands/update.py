"""`scaffold update [PATH…|--all]` and `scaffold config templates-url URL`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    update = commands.add_parser(
        "update",
        help="pull template changes into generated folders (copier update)",
        description="Update generated folders (the platform root, services, integrations) to the newest release tag "
        "of the recorded template source with `copier update`, non-interactively and with the recorded answers, "
        "keeping your edits. Says which folders are behind, updates them in order (the root first), lists the files "
        "left with conflicts (else regenerates the derived pages and SDK schemas, as `verify --fix`), then runs the "
        "verifier. The repo must have no uncommitted changes in those folders. "
        "Exit status: 0 updated (or nothing to do), 1 conflicts or failures are left, 2 usage errors.",
    )
    update.add_argument("paths", nargs="*", metavar="PATH", help="generated folders to update (e.g. services/billing)")
    update.add_argument("--all", action="store_true", help="every generated folder")
    update.add_argument("--to", metavar="TAG", help="the release tag to update to (default: the newest)")
    update.add_argument("--repo", default=".", help="platform repo (default: the current folder)")
    update.add_argument("--dry-run", action="store_true", help="say which folders are behind; change nothing")
    update.add_argument("--no-verify", action="store_true", help="skip the verifier run at the end")
    update.set_defaults(handler=run_update)

    config = commands.add_parser(
        "config",
        help="change a platform setting (templates-url)",
        description="Change a setting in .scaffold/platform.yaml. `templates-url URL`: where `copier update` and "
        "`scaffold update` find the templates (a git repo holding the platform's v<version> tag, checked now); "
        "also recorded as `_src_path` in every generated folder's .copier-answers.yml.",
    )
    config.add_argument("setting", choices=("templates-url",))
    config.add_argument("value", metavar="VALUE")
    config.add_argument("--repo", default=".", help="platform repo (default: the current folder)")
    config.set_defaults(handler=run_config)


def run_config(args: argparse.Namespace) -> int:
    from scaffold.generators.base import open_platform
    from scaffold.repofs.lock import repo_lock
    from scaffold.template_source import resolve_source
    from scaffold.updating import set_templates_url

    settings = open_platform(Path(args.repo))
    with repo_lock(settings.root, "config"):
        url = resolve_source(args.value, settings.templates_ref)
        assert url is not None  # resolve_source returns the checked URL when one is given
        changes = set_templates_url(settings.root, url, settings.templates_ref)
        changes.apply()
    print(f"templates-url: {url} (tag {settings.templates_ref} found); {changes.summary()}", file=sys.stderr)
    return 0


def run_update(args: argparse.Namespace) -> int:
    from scaffold.errors import ScaffoldError
    from scaffold.generators.base import open_platform
    from scaffold.repofs.lock import repo_lock
    from scaffold.updating import behind, latest_release, resolve_subjects, update_subjects

    settings = open_platform(Path(args.repo))
    root = settings.root
    with repo_lock(root, "update"):
        subjects = resolve_subjects(root, args.paths, args.all)
        recorded = [s.source for s in subjects] + ([settings.templates_url] if args.all else [])
        sources = sorted({source for source in recorded if source})
        missing = [s.folder for s in subjects if s.source is None]
        if missing or not sources:
            raise ScaffoldError(
                f"no template source recorded for {', '.join(missing) or 'this platform'}: set it with "
                "`scaffold config templates-url URL` (a git repo of scaffold's templates with release tags)"
            )
        if len(sources) > 1:
            raise ScaffoldError(
                f"the folders record different template sources ({', '.join(sources)}); "
                "make them one with `scaffold config templates-url URL`"
            )
        source = sources[0]
        target = args.to or latest_release(source)
        stale = behind(subjects, target)
        for subject in subjects:
            state = f"behind: {subject.ref} → {target}" if subject in stale else f"at {subject.ref}"
            print(f"  {subject.folder}: {state}", file=sys.stderr)
        if not stale:
            print(f"scaffold update: every folder is at {target}; nothing to do", file=sys.stderr)
            return 0
        if args.dry_run:
            print(
                f"scaffold update (dry run): {len(stale)} folder(s) behind {target}; nothing changed", file=sys.stderr
            )
            return 0
        result = update_subjects(root, stale, target)
        derived = None
        if not result.conflicts:
            # what the repo derives (service and SDK pages, endpoint and event pages, SDK schemas where installed)
            # follows the updated folders, as `scaffold verify --fix` would write it
            from scaffold.verify.fix import plan_fixes

            derived = plan_fixes(root)
            derived.apply()
    print(f"scaffold update: {len(result.updated)} folder(s) updated to {target}", file=sys.stderr)
    if derived is not None and derived.changes:
        print(f"regenerated what the update changed underneath: {derived.summary()}", file=sys.stderr)
    status = 0
    if result.conflicts:
        status = 1
        print("conflicts to resolve (your edit and the template's change touch the same lines):", file=sys.stderr)
        for files in result.conflicts.values():
            for path in files:
                print(f"  {path}", file=sys.stderr)
        print(
            "next: edit each file to keep what you need and delete the <<<<<<< ======= >>>>>>> lines (a .rej file "
            "holds a hunk to apply by hand, then delete it); `git diff` shows the update; commit when done",
            file=sys.stderr,
        )
    if not args.no_verify:
        from scaffold.generators.base import print_todo

        print_todo(root, None)
    return status
