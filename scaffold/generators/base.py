"""What every generator shares: finding the platform repo, reading its settings, and finishing a plan
(show the diff, or apply it in one step and run the verifier on what was produced)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold import platform, zod_gen
from scaffold.errors import ScaffoldError
from scaffold.parsers.manifests import YamlProblem, load_data
from scaffold.repofs import journal, lock
from scaffold.staging import ChangeSet, read_repo_text
from scaffold.templates import TEMPLATES_REF

if TYPE_CHECKING:
    from scaffold.parsers.models import GeneratedModel
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
    # One generator at a time: held from here (so the plan reads what the previous generator left) until `finish`
    # has applied (released before the closing verify; scaffold/cli.py releases it on any other exit).
    lock.hold(root, "generate")
    journal.recover(root)
    marker = root / platform.MARKER
    settings = yaml_mapping(read_repo_text(root, platform.MARKER), str(marker), required=False)
    if settings.get("kind") != "platform":
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


def yaml_mapping(text: str | None, path: str, *, required: bool = True) -> dict[str, Any]:
    """The mapping a repo's YAML file holds (`text` as `read_repo_text` or `ChangeSet.current` gave it), under the
    one YAML rule both halves share (`manifests.load_data`: duplicate keys and alias bombs refused). A syntax
    error, or anything but a mapping at the top (a list, a scalar, an empty file when `required`), is one line and
    exit 2. A missing file (None) is an empty mapping unless `required`; a file that is there must hold one."""
    if text is None and not required:
        return {}
    try:
        data = load_data(text or "")
    except YamlProblem as problem:
        raise ScaffoldError(f"{path}:{problem.line}: not valid YAML ({problem.message})") from None
    if not isinstance(data, dict):
        found = "nothing" if data is None else f"a {type(data).__name__}"
        raise ScaffoldError(f"{path}: expected a mapping at the top level, found {found}")
    return data


def require_valid_manifest(changes: ChangeSet, path: str, model: GeneratedModel) -> None:
    """Before a generator edits the manifest at `path`: it must be a mapping its schema accepts (through `model`,
    the pydantic model generated from scaffold's copy of the schema, e.g. models.CATALOG; pydantic is loaded
    already, jsonschema would cost a tenth of a second). The first error is one line and exit 2: an edit made on
    a manifest of the wrong shape would crash, or write something the verifier then fails."""
    import importlib

    from pydantic import ValidationError

    from scaffold.parsers.manifests import load_yaml

    text = changes.current(path)
    if text is None:
        return
    data = yaml_mapping(text, path)
    model_class = getattr(importlib.import_module(f"scaffold.parsers.models.{model.module}"), model.class_name)
    try:
        model_class.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = tuple(part for part in first["loc"] if isinstance(part, str | int))
        line = load_yaml(text).line_of(where) or 1
        place = "/".join(str(part) for part in where) or "(top level)"
        raise ScaffoldError(f"{path}:{line}: {place}: {first['msg']} (per {model.schema_name})") from None


def current_mapping(changes: ChangeSet, path: str) -> dict[str, Any]:
    """`yaml_mapping` of the file as `changes` would leave it (an empty mapping when there is none)."""
    return yaml_mapping(changes.current(path), path, required=False)


def openapi_file(changes: ChangeSet, service: str) -> str:
    """The service's OpenAPI document as its service.yaml (as `changes` would leave it) declares it."""
    manifest = current_mapping(changes, f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}")
    try:
        return platform.service_openapi(service, manifest)
    except platform.OutsideService as error:
        raise ScaffoldError(str(error)) from None


def write_request_validators(changes: ChangeSet, service: str, *, only_if_there: bool = False) -> None:
    """src/api.generated.ts from the service's openapi.yaml as `changes` would leave it (the routes import it).
    `only_if_there`: a generator that changed the document but writes no route keeps a service without the file
    (a hand-written one validating its own way) without it."""
    if only_if_there and changes.current(f"{platform.service_dir(service)}/{platform.SERVICE_API_VALIDATORS}") is None:
        return
    from scaffold.verify.repo import RepoView

    document_file = openapi_file(changes, service)
    current_mapping(changes, document_file)  # a document that is not YAML is one line and exit 2 here
    # read as the verifier reads it (relative `$ref`s followed inside the service), so both render the same text
    view = RepoView(changes.root, overlay=changes.overlay())
    spec = view.openapi(document_file, within=platform.service_dir(service))
    try:
        text = zod_gen.render_spec(spec) if spec is not None else zod_gen.render({})
    except zod_gen.Unsupported as error:
        raise ScaffoldError(f"{document_file}: {error} (the routes' validators are rendered from it)") from None
    changes.write(f"{platform.service_dir(service)}/{platform.SERVICE_API_VALIDATORS}", text)


def finish(changes: ChangeSet, *, dry_run: bool, what: str) -> bool:
    """Print the diff (dry run) or apply every change at once, then release the repo lock. Returns whether
    anything was written."""
    try:
        return _finish(changes, dry_run=dry_run, what=what)
    finally:
        lock.release_held()


def _finish(changes: ChangeSet, *, dry_run: bool, what: str) -> bool:
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


def print_todo(root: Path, subject_path: str | None, kinds: tuple[Kind, ...] = (), also: tuple[str, ...] = ()) -> None:
    """Run the verifier over what was generated and list what still needs a person or outside evidence
    (limited to one subject folder and/or to the checks of some subject kinds; plus every check of the subject
    folders in `also`, e.g. the service an event's publisher helper went into)."""
    from scaffold.verify.cli import OPEN, todo_lines
    from scaffold.verify.engine import Selection, run_checks
    from scaffold.verify.model import Status

    findings = run_checks(root, Selection(kinds=kinds, subject_path=subject_path))
    for folder in also:
        findings += [f for f in run_checks(root, Selection(subject_path=folder)) if f not in findings]
    failing = [f for f in findings if f.status is Status.FAIL]
    left = [f for f in findings if f.status in OPEN]
    print(f"\nscaffold verify: {len(failing)} fail, {len(left)} item(s) left for a human:")
    for finding in failing:
        where = f" ({finding.file}:{finding.line})" if finding.file else ""
        print(f"  FAIL {finding.check_id}{where}: {finding.message}")
    print("\n".join(todo_lines(left)))
