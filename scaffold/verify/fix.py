"""`scaffold verify --fix`: regenerate what the repo can derive, as one ChangeSet (shown with --dry-run).

Derived: EVENT_NAMES and event pages (EVT-03, EVT-06), endpoint pages and Connect docs (EP-06, EP-07), service
and SDK pages (SVC-DOC-03, SVC-SDK-03), the routes' validators in src/api.generated.ts (SVC-CODE-03, where the
service uses them), the registry entries a service needs (sst.config.ts, SVC-DEP-02;
the catalog, SVC-DOC-05), and each SDK's schema.ts (SVC-SDK-01) once `pnpm install` has put openapi-typescript in
the service's node_modules. Each comes from the same function the check compares against. Every other failure
needs a person: `unfixable` names them, so "nothing to change" never hides a failing item.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from scaffold import docs_pages, platform, sdk_gen, zod_gen
from scaffold.edits import sst_config, yaml_lists
from scaffold.errors import ScaffoldError
from scaffold.parsers.manifests import YamlProblem, load_data
from scaffold.staging import ChangeSet
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView, Subject


def plan_fixes(root: Path) -> ChangeSet:
    from scaffold.checks import endpoint, event

    changes = ChangeSet(root)
    repo = RepoView(root)
    for service in repo.service_names:
        _service_pages(changes, repo, service)
        _service_registrations(changes, repo, service)
        _sdk_schema(changes, repo, service)
        _request_validators(changes, repo, service)
    for derive in (event.derived_files, endpoint.derived_files):
        for path, content in derive(RepoView(root, overlay=changes.overlay())).items():
            changes.write(path, content)
    return changes


# The items whose failures --fix can derive away (SVC-SDK-01 only where openapi-typescript is installed).
DERIVED_IDS = frozenset(
    {"EVT-03", "EVT-06", "EP-06", "EP-07", "SVC-DOC-03", "SVC-SDK-03", "SVC-DEP-02", "SVC-DOC-05", "SVC-SDK-01"}
)


def unfixable(root: Path, findings: list[Finding], *, applied: bool) -> list[str]:
    """One line per failing finding --fix cannot derive away: what it is, and what to do instead. After the fix was
    `applied`, every failure left is one; before it (a dry run), those of items outside DERIVED_IDS."""
    lines = []
    for finding in findings:
        if finding.status is not Status.FAIL:
            continue
        where = f" ({finding.file}:{finding.line})" if finding.file and finding.line else ""
        label = f"{finding.check_id}{f' [{finding.subject}]' if finding.subject else ''}{where}"
        service = (finding.subject or "").removeprefix("service:")
        if finding.check_id == "SVC-SDK-01" and sdk_gen.openapi_typescript(root, service) is None:
            lines.append(f"  {label}: needs openapi-typescript: run `pnpm install`, then `scaffold verify --fix` again")
        elif applied or not _derivable(finding):
            fix = finding.fix or f"see `scaffold explain {finding.check_id}`"
            lines.append(f"  {label}: {finding.message} — fix: {fix}")
    return lines


def _derivable(finding: Finding) -> bool:
    if finding.check_id == "SVC-CODE-03":  # only its verdict on the generated validators is --fix's to mend
        return (finding.file or "").endswith(f"/{platform.SERVICE_API_VALIDATORS}")
    return finding.check_id in DERIVED_IDS


def _request_validators(changes: ChangeSet, repo: RepoView, service: str) -> None:
    from scaffold.checks.svc_code import uses_generated_validators

    subject = Subject(Kind.SERVICE, service, platform.service_dir(service))
    if not uses_generated_validators(repo, subject):
        return  # the service validates its own way
    spec = repo.openapi(repo.service_openapi(service), within=subject.path)
    if spec is None or spec.errors:
        return  # SVC-CODE-03 reports the document
    with contextlib.suppress(zod_gen.Unsupported):  # SVC-CODE-03 says what the renderer cannot read
        changes.write(subject.join(platform.SERVICE_API_VALIDATORS), zod_gen.render_spec(spec))


def _sdk_schema(changes: ChangeSet, repo: RepoView, service: str) -> None:
    openapi = repo.read_text(repo.service_openapi(service))
    if openapi is None:
        return
    with contextlib.suppress(ScaffoldError):  # openapi-typescript refused the document: SVC-SDK-01 says why
        schema = sdk_gen.render_schema(changes.root, service, openapi, repo.service_openapi(service))
        if schema is not None:
            changes.write(sdk_gen.schema_path(service), schema)


def _load(repo: RepoView, path: str) -> object:
    text = repo.read_text(path)
    if text is None:
        return None
    try:
        return load_data(text)
    except YamlProblem:
        return None  # unparseable: the checks report it; nothing to derive from


def _service_pages(changes: ChangeSet, repo: RepoView, service: str) -> None:
    folder = platform.service_dir(service)
    manifest = _load(repo, f"{folder}/{platform.SERVICE_MANIFEST}")
    openapi = _load(repo, repo.service_openapi(service))
    if isinstance(manifest, dict) and isinstance(openapi, dict):
        changes.write(f"{platform.DOCS_SERVICES}/{service}.md", docs_pages.render_service_page(manifest, openapi))
        changes.write(f"{platform.DOCS_SDK}/{service}.md", docs_pages.render_sdk_page(service, openapi))


def _service_registrations(changes: ChangeSet, repo: RepoView, service: str) -> None:
    # A file scaffold cannot edit safely is its check's failure to report (SVC-DEP-02, SVC-DOC-05), not --fix's
    # to guess at: ScaffoldError from an edit leaves that file alone.
    config = changes.current(platform.SST_CONFIG)
    if config is not None:
        with contextlib.suppress(ScaffoldError):
            changes.write(platform.SST_CONFIG, sst_config.register_service(config, service))
    manifest = _load(repo, f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}")
    catalog = changes.current(platform.CATALOG)
    if catalog is None or not isinstance(manifest, dict):
        return
    entry = {key: manifest.get(key) for key in ("name", "owner", "on_call", "status")}
    if all(isinstance(value, str) for value in entry.values()):
        with contextlib.suppress(ScaffoldError):
            edited = yaml_lists.upsert_list_item(
                catalog, platform.CATALOG, platform.CATALOG_SERVICES_KEY, entry, "name"
            )
            changes.write(platform.CATALOG, edited)
