"""Where a service's SDK package lives and who imports it (SVC-SDK-*, SVC-AUTH-01).

The SDK is `@platform/sdk-<service>` in `services/<name>/sdk/` (docs/LAYOUT.md). Importers are found by parsing
every TypeScript file that mentions an SDK package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scaffold import platform
from scaffold.checks._cache import memo
from scaffold.checks._contracts import source
from scaffold.parsers import typescript as ts
from scaffold.verify.repo import RepoView, derives

_TS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")


@dataclass(frozen=True)
class SdkPackage:
    folder: str  # repo-relative
    manifest: Mapping[str, object]  # its package.json

    @property
    def package_json(self) -> str:
        return f"{self.folder}/package.json"


def sdk_package(repo: RepoView, service: str) -> SdkPackage | None:
    """`services/<service>/sdk` when its package.json is named `@platform/sdk-<service>`, else None."""
    folder = platform.sdk_dir(service)
    manifest = repo.json(f"{folder}/package.json")
    if isinstance(manifest, Mapping) and manifest.get("name") == platform.sdk_package_name(service):
        return SdkPackage(folder, manifest)
    return None


@dataclass(frozen=True)
class SdkImport:
    path: str  # the importing file
    line: int
    declaration: ts.Import


def sdk_imports(repo: RepoView) -> dict[str, list[SdkImport]]:
    """SDK package name → every import of it in the repo's TypeScript (type-only imports included)."""
    return memo(repo, "sdk imports", lambda: _sdk_imports(repo))


def _sdk_imports(repo: RepoView) -> dict[str, list[SdkImport]]:
    found: dict[str, list[SdkImport]] = {}
    for path in repo.files:
        if not path.endswith(_TS_SUFFIXES) or path.endswith(".d.ts"):
            continue
        for declaration in repo.fact(FILE_SDK_IMPORTS, path):
            found.setdefault(declaration.module, []).append(SdkImport(path, declaration.line, declaration))
    return found


FILE_SDK_IMPORTS = "sdk imports"


@derives(FILE_SDK_IMPORTS)
def _file_sdk_imports(repo: RepoView, path: str) -> tuple[ts.Import, ...]:
    """One file's imports of SDK packages."""
    text = repo.read_text(path)
    if text is None or platform.SDK_PACKAGE_PREFIX not in text:  # cheap filter; the parse decides
        return ()
    parsed = source(repo, path)
    if parsed is None:
        return ()
    return tuple(d for d in ts.imports(parsed) if d.module.startswith(platform.SDK_PACKAGE_PREFIX))


def service_of(path: str) -> str | None:
    """The service a repo file belongs to (`services/<name>/...`), or None."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == platform.SERVICES_DIR else None
