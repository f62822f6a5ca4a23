"""`scaffold verify --fix`: regenerate what the repo can derive, as one ChangeSet (shown with --dry-run).

Derived: EVENT_NAMES and event pages (EVT-03, EVT-06), endpoint pages and Connect docs (EP-06, EP-07), service
and SDK pages (SVC-DOC-03, SVC-SDK-03), and the registry entries a service needs (sst.config.ts, SVC-DEP-02;
the catalog, SVC-DOC-05). Each comes from the same function the check compares against.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from scaffold import docs_pages, platform
from scaffold.edits import typescript_registries as ts_edits
from scaffold.edits import yaml_lists
from scaffold.errors import ScaffoldError
from scaffold.parsers.manifests import YamlProblem, load_data
from scaffold.staging import ChangeSet
from scaffold.verify.repo import RepoView


def plan_fixes(root: Path) -> ChangeSet:
    from scaffold.checks import endpoint, event

    changes = ChangeSet(root)
    repo = RepoView(root)
    for service in repo.service_names:
        _service_pages(changes, repo, service)
        _service_registrations(changes, repo, service)
    for derive in (event.derived_files, endpoint.derived_files):
        for path, content in derive(RepoView(root, overlay=changes.overlay())).items():
            changes.write(path, content)
    return changes


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
    openapi = _load(repo, f"{folder}/{platform.SERVICE_OPENAPI}")
    if isinstance(manifest, dict) and isinstance(openapi, dict):
        changes.write(f"{platform.DOCS_SERVICES}/{service}.md", docs_pages.render_service_page(manifest, openapi))
        changes.write(f"{platform.DOCS_SDK}/{service}.md", docs_pages.render_sdk_page(service, openapi))


def _service_registrations(changes: ChangeSet, repo: RepoView, service: str) -> None:
    # A file scaffold cannot edit safely is its check's failure to report (SVC-DEP-02, SVC-DOC-05), not --fix's
    # to guess at: ScaffoldError from an edit leaves that file alone.
    config = changes.current(platform.SST_CONFIG)
    if config is not None:
        element = f'await import("./{platform.service_dir(service)}/infra")'
        with contextlib.suppress(ScaffoldError):
            edited = ts_edits.add_sorted_array_element(config, platform.SST_CONFIG, "services", element)
            changes.write(platform.SST_CONFIG, edited)
    manifest = _load(repo, f"{platform.service_dir(service)}/{platform.SERVICE_MANIFEST}")
    catalog = changes.current(platform.CATALOG)
    if catalog is None or not isinstance(manifest, dict):
        return
    entry = {key: manifest.get(key) for key in ("name", "owner", "on_call", "status")}
    if all(isinstance(value, str) for value in entry.values()):
        with contextlib.suppress(ScaffoldError):
            edited = yaml_lists.upsert_list_item(catalog, platform.CATALOG, "services", entry, "name")
            changes.write(platform.CATALOG, edited)
