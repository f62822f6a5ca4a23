"""SVC / SDK: `sdk:gen`, the @platform/sdk-<service> package, its reference page, and a consumer (SVC-SDK-01..04)."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator, Mapping

from scaffold import docs_pages, platform
from scaffold.checks import check
from scaffold.checks._contracts import needs_evidence
from scaffold.checks._sdk import SdkPackage, sdk_imports, sdk_package
from scaffold.checks._service import fail, openapi_path, passed
from scaffold.checks.svc_docs import drift_finding, openapi_structure
from scaffold.checks.svc_observability import resolve_import
from scaffold.parsers import openapi as openapi_parser
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Kind
from scaffold.verify.repo import RepoView, Subject

GENERATOR = "openapi-typescript"
SDK_ENTRY = "src/index.ts"  # an SDK package's entry when its package.json names none (not the service's entry)
CLIENT_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_COMMAND_SEPARATORS = frozenset({"&&", "||", ";", "|"})
_MAX_DELEGATIONS = 3


def json_key_line(repo: RepoView, path: str, key: str) -> int | None:
    """The line of the first `"key":` in a JSON file (json.loads keeps no positions), else None."""
    text = repo.read_text(path) or ""
    pattern = re.compile(rf'"{re.escape(key)}"\s*:')
    return next((number for number, line in enumerate(text.splitlines(), 1) if pattern.search(line)), None)


def missing_sdk(repo: RepoView, check_id: str, subject: Subject) -> Finding:
    path = f"{platform.sdk_dir(subject.name)}/package.json"
    if repo.exists(path):
        manifest = repo.json(path)
        name = manifest.get("name") if isinstance(manifest, Mapping) else None
        problem = f"is named {name!r}" if name is not None else "is not valid JSON or has no name"
        return fail(
            check_id,
            path,
            None,
            f"{path} {problem}, not {platform.sdk_package_name(subject.name)}",
            f'Set "name": "{platform.sdk_package_name(subject.name)}" (and fix the JSON if broken).',
        )
    return fail(
        check_id,
        path,
        None,
        f"{path} is missing: the service has no {platform.sdk_package_name(subject.name)} package",
        "Restore the service's sdk/ folder from the template (package.json, src/index.ts), then `pnpm sdk:gen`.",
    )


# --- SVC-SDK-01 --------------------------------------------------------------------------------------------
def _commands(script: str) -> list[list[str]]:
    try:
        tokens = shlex.split(script)
    except ValueError:
        return []
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in _COMMAND_SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


_OPTIONS_WITH_VALUE = frozenset({"-o", "--output", "-c", "--redocly"})


def _generator_paths(arguments: list[str], folder: str) -> tuple[str, str] | None:
    """(input, output) of `openapi-typescript <input> -o <output>`, resolved against the script's folder."""
    output = next((arguments[i + 1] for i, a in enumerate(arguments[:-1]) if a in {"-o", "--output"}), None)
    positional = [
        a
        for i, a in enumerate(arguments)
        if not a.startswith("-") and (i == 0 or arguments[i - 1] not in _OPTIONS_WITH_VALUE)
    ]
    if output is None or not positional:
        return None
    return (
        posixpath.normpath(posixpath.join(folder, positional[0])),
        posixpath.normpath(posixpath.join(folder, output)),
    )


def _delegated_script(command: list[str], package: str) -> str | None:
    """`<script>` when the command is `pnpm --filter <package> [run] <script>`, else None."""
    if command[:1] != ["pnpm"]:
        return None
    filters = {command[i + 1] for i, token in enumerate(command[:-1]) if token in {"--filter", "-F"}}
    if package not in filters:
        return None
    rest = [
        t
        for i, t in enumerate(command[1:], 1)
        if t not in {"--filter", "-F", "run"} and command[i - 1] not in {"--filter", "-F"}
    ]
    return rest[0] if rest else None


def generator_run(subject: Subject, sdk: SdkPackage, folder: str, script: str, depth: int = 0) -> tuple[str, str] | str:
    """(input, output) repo paths of the openapi-typescript run a script makes, following `pnpm --filter <sdk>
    [run] <script>` into the SDK package; or a sentence saying why there is none."""
    for command in _commands(script):
        names = [posixpath.basename(token) for token in command]
        if GENERATOR in names:
            paths = _generator_paths(command[names.index(GENERATOR) + 1 :], folder)
            return paths or f"`{' '.join(command)}` names no input document or no -o output"
        delegated = _delegated_script(command, platform.sdk_package_name(subject.name))
        if delegated is not None and depth < _MAX_DELEGATIONS:
            scripts = sdk.manifest.get("scripts")
            target = scripts.get(delegated) if isinstance(scripts, Mapping) else None
            if not isinstance(target, str):
                return f"`{' '.join(command)}` runs a script {sdk.package_json} does not define"
            return generator_run(subject, sdk, sdk.folder, target, depth + 1)
    return f"`{script}` does not run {GENERATOR}"


def schema_drift(schema: ts.ParsedTs, operations: list[openapi_parser.Operation]) -> Iterator[tuple[int, str]]:
    """(line, problem) where the generated `paths` interface disagrees with the OpenAPI operations."""
    paths = ts.type_members(schema, "paths")
    if paths is None:
        yield 1, "schema.ts declares no `paths` interface (not openapi-typescript output)"
        return
    generated = {member.name: member for member in paths}
    wanted: dict[str, dict[str, openapi_parser.Operation]] = {}
    for operation in operations:
        wanted.setdefault(operation.path, {})[operation.method] = operation
    for path, methods in wanted.items():
        member = generated.get(path)
        if member is None:
            yield paths[0].line if paths else 1, f"path {path} is in openapi.yaml but not in schema.ts"
            continue
        have = {m.name: m for m in member.members if m.type_text != "never" and m.name != "parameters"}
        for method, operation in methods.items():
            entry = have.get(method)
            expected_type = f'operations["{operation.operation_id}"]' if operation.operation_id else None
            if entry is None:
                yield member.line, f"{method.upper()} {path} is in openapi.yaml but not in schema.ts"
            elif expected_type and entry.type_text != expected_type:
                yield (
                    entry.line,
                    f"{method.upper()} {path} is `{entry.type_text}` in schema.ts, openapi.yaml says "
                    f"operationId {operation.operation_id}",
                )
        for method, entry in have.items():
            if method not in methods:
                yield entry.line, f"{method.upper()} {path} is in schema.ts but no longer in openapi.yaml"
    for path, member in generated.items():
        if path not in wanted:
            yield member.line, f"path {path} is in schema.ts but no longer in openapi.yaml"


@check(
    "SVC-SDK-01",
    "`pnpm sdk:gen` runs cleanly",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_PACKAGE_JSON, platform.SERVICE_OPENAPI, "sdk/**"),
)
def sdk_gen_current(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Reads the service's `sdk:gen` script (following `pnpm --filter @platform/sdk-<name> <script>`)
    and checks that it runs openapi-typescript from the service's openapi.yaml into the SDK's src/schema.ts; then
    parses that schema.ts with tree-sitter and checks it is the output for the current openapi.yaml: every path and
    method is in its `paths` interface as `operations["<operationId>"]`, and nothing else is.

    Why it matters: An SDK generated from an older openapi.yaml type-checks callers against routes that no longer
    exist, or hides new ones.

    How to fix: Run `pnpm sdk:gen` in services/<name> after editing openapi.yaml and commit sdk/src/schema.ts; keep
    the script as `openapi-typescript openapi.yaml -o sdk/src/schema.ts`.
    """
    package_json = subject.join(platform.SERVICE_PACKAGE_JSON)
    package = repo.json(package_json)
    if not isinstance(package, Mapping):
        yield fail(
            "SVC-SDK-01",
            package_json,
            None,
            f"{package_json} is missing or not valid JSON",
            "Restore the service's package.json.",
        )
        return
    scripts = package.get("scripts")
    script = scripts.get(platform.SDK_GEN_SCRIPT) if isinstance(scripts, Mapping) else None
    if not isinstance(script, str):
        yield fail(
            "SVC-SDK-01",
            package_json,
            json_key_line(repo, package_json, "scripts"),
            f"package.json has no `{platform.SDK_GEN_SCRIPT}` script",
            f'Add "sdk:gen": "{GENERATOR} openapi.yaml -o sdk/src/schema.ts".',
        )
        return
    sdk = sdk_package(repo, subject.name)
    if sdk is None:
        yield missing_sdk(repo, "SVC-SDK-01", subject)
        return
    script_line = json_key_line(repo, package_json, platform.SDK_GEN_SCRIPT)
    run = generator_run(subject, sdk, subject.path, script)
    if isinstance(run, str):
        yield fail(
            "SVC-SDK-01", package_json, script_line, run, f'Use "{GENERATOR} openapi.yaml -o sdk/src/schema.ts".'
        )
        return
    source, output = run
    spec_path = openapi_path(repo, subject)
    schema_path = f"{sdk.folder}/{platform.SDK_SCHEMA}"
    if source != spec_path or output != schema_path:
        yield fail(
            "SVC-SDK-01",
            package_json,
            script_line,
            f"sdk:gen generates {output} from {source}; expected {schema_path} from {spec_path}",
            "Point the script at the service's openapi.yaml and the SDK's src/schema.ts.",
        )
        return
    spec = openapi_structure(repo, spec_path, subject.path)
    if spec is None or not spec.yaml.ok:
        yield fail(
            "SVC-SDK-01",
            spec_path,
            spec.yaml.error_line if spec else None,
            f"{spec_path} is missing or not valid YAML, so sdk:gen cannot run",
            "Fix openapi.yaml.",
        )
        return
    schema = repo.typescript(schema_path)
    if schema is None:
        yield fail(
            "SVC-SDK-01",
            schema_path,
            None,
            f"{schema_path} is missing: sdk:gen was never run",
            "Run `pnpm sdk:gen` in the service folder and commit the result.",
        )
        return
    if schema.error_line is not None:
        yield fail(
            "SVC-SDK-01",
            schema_path,
            schema.error_line,
            f"{schema_path} does not parse",
            "Regenerate it with `pnpm sdk:gen`.",
        )
        return
    operations = openapi_parser.operations(spec)
    problems = list(schema_drift(schema, operations))
    for line, message in problems:
        yield fail(
            "SVC-SDK-01",
            schema_path,
            line,
            f"{message}: schema.ts is stale",
            "Run `pnpm sdk:gen` in the service folder and commit sdk/src/schema.ts.",
        )
    if not problems:
        yield passed(
            "SVC-SDK-01",
            f"`{script}` generates {schema_path} from {spec_path}; its `paths` match all "
            f"{len(operations)} operation(s)",
            schema_path,
        )


# --- SVC-SDK-02 --------------------------------------------------------------------------------------------
def entry_of(sdk: SdkPackage) -> str:
    exports = sdk.manifest.get("exports")
    target: object = exports.get(".") if isinstance(exports, Mapping) else exports
    if isinstance(target, Mapping):
        target = target.get("import") or target.get("default") or target.get("types")
    if not isinstance(target, str):
        target = sdk.manifest.get("module") or sdk.manifest.get("main") or sdk.manifest.get("types") or SDK_ENTRY
    return posixpath.normpath(posixpath.join(sdk.folder, str(target)))


@check(
    "SVC-SDK-02",
    "`@platform/sdk-<service>` package built + published",
    mode="auto (built) + evidence (published)",
    kind=Kind.SERVICE,
    covers=("sdk/**",),
)
def sdk_package_built(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds the package named `@platform/sdk-<name>` (services/<name>/sdk),
    resolves its entry (`exports["."]`, else `module` / `main`), and checks the entry exists, parses, and that
    every relative module it imports (e.g. the generated `./schema`) exists — a workspace package consumed from
    source is "built" when that holds; one exporting dist/ must have it. Publishing needs evidence.

    Why it matters: Consumers install the SDK by name; a package whose entry or generated schema is missing breaks
    every caller's type-check and build.

    How to fix: Keep the template's sdk/ folder, run `pnpm sdk:gen` (and the package's build, if it has one), and
    after publishing record it: `scaffold attest SVC-SDK-02 --evidence <registry URL>`.
    """
    sdk = sdk_package(repo, subject.name)
    if sdk is None:
        yield missing_sdk(repo, "SVC-SDK-02", subject)
        return
    entry = entry_of(sdk)
    parsed = repo.typescript(entry) if entry.endswith((".ts", ".mts")) else None
    if not repo.exists(entry):  # build output (dist/) is not in repo.files, so ask the file system
        yield fail(
            "SVC-SDK-02",
            sdk.package_json,
            json_key_line(repo, sdk.package_json, "exports"),
            f"the package entry {entry} does not exist (not built)",
            "Build the package (or point `exports` at its source entry).",
        )
        return
    if parsed is not None and parsed.error_line is not None:
        yield fail("SVC-SDK-02", entry, parsed.error_line, f"{entry} does not parse", "Fix the syntax error.")
        return
    for declaration in ts.imports(parsed) if parsed is not None else []:
        if declaration.module.startswith(".") and resolve_import(repo, entry, declaration.module) is None:
            yield fail(
                "SVC-SDK-02",
                entry,
                declaration.line,
                f"{entry} imports {declaration.module}, which does not exist",
                "Run `pnpm sdk:gen` to generate it.",
            )
            return
    yield passed(
        "SVC-SDK-02",
        f"{sdk.package_json} is {platform.sdk_package_name(subject.name)}; entry {entry} and its local imports exist",
        sdk.package_json,
    )
    yield needs_evidence(
        "SVC-SDK-02",
        subject,
        f"{platform.sdk_package_name(subject.name)} is published where consumers install it (a registry URL or the "
        "publish run)",
    )


# --- SVC-SDK-03 --------------------------------------------------------------------------------------------
def sdk_page_path(subject: Subject) -> str:
    return f"{platform.DOCS_SDK}/{subject.name}.md"


def expected_sdk_page(repo: RepoView, subject: Subject) -> str | Finding:
    """The SDK page as `scaffold` would generate it now (what `scaffold verify --fix` writes), or a fail."""
    spec_path = openapi_path(repo, subject)
    spec = repo.yaml(spec_path)
    if spec is None or not spec.ok:
        return fail(
            "SVC-SDK-03",
            spec_path,
            spec.error_line if spec else None,
            f"{spec_path} is missing or not valid YAML, so the SDK page cannot be generated",
            "Fix openapi.yaml first.",
        )
    return docs_pages.render_sdk_page(subject.name, spec.data)


@check(
    "SVC-SDK-03",
    "SDK reference page generated",
    mode="auto (drift)",
    kind=Kind.SERVICE,
    fixable=True,
    covers=(platform.SERVICE_OPENAPI,),
)
def sdk_page_current(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Regenerates docs/sdk/<name>.md from openapi.yaml (one section per operation, headed by its
    operationId, with the client call, parameters, request body and responses) and compares it with the
    committed page.

    Why it matters: Callers learn the SDK from this page; one generated from an older openapi.yaml documents calls
    that fail.

    How to fix: `scaffold verify --fix` rewrites the page; commit it. Edit openapi.yaml, not the page.
    """
    expected = expected_sdk_page(repo, subject)
    if isinstance(expected, Finding):
        yield expected
        return
    page = sdk_page_path(subject)
    yield drift_finding("SVC-SDK-03", page, expected, repo.read_text(page), "the SDK reference page")


# --- SVC-SDK-04 --------------------------------------------------------------------------------------------
@check(
    "SVC-SDK-04",
    "At least one consumer (canary, internal app) imports + calls successfully",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_OPENAPI,),
)
def sdk_has_consumer(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Looks through the repo's TypeScript outside the SDK package for a file that imports
    `@platform/sdk-<name>` (not type-only), calls what it imports (the client factory), and calls a client method
    (`client.GET(...)` and the other HTTP verbs of openapi-fetch, or an operationId). The service's own smoke test
    counts: it runs in CI against the in-process app and, with SMOKE_BASE_URL, against a deployed stage.

    Why it matters: An SDK nobody calls is untested; the first real caller finds its bugs in production.

    How to fix: Call the service through the SDK in its smoke test (the template does), in a canary, or in the
    first consuming service.
    """
    package = platform.sdk_package_name(subject.name)
    sdk = sdk_package(repo, subject.name)
    spec = openapi_structure(repo, openapi_path(repo, subject), subject.path)
    operation_ids = {op.operation_id for op in openapi_parser.operations(spec)} if spec is not None else set()
    method_names = CLIENT_METHODS | {o for o in operation_ids if o}
    for usage in sdk_imports(repo).get(package, []):
        if sdk is not None and usage.path.startswith(f"{sdk.folder}/"):
            continue
        if usage.declaration.type_only or not usage.declaration.names:
            continue
        parsed = repo.tsx(usage.path) if usage.path.endswith(".tsx") else repo.typescript(usage.path)
        if parsed is None or parsed.error_line is not None:
            continue
        factories = set(usage.declaration.names)
        made = next(iter(ts.calls(parsed, factories.__contains__)), None)
        used = next(
            iter(ts.calls(parsed, lambda callee: "." in callee and callee.rsplit(".", 1)[1] in method_names)), None
        )
        if made is not None and used is not None:
            yield passed(
                "SVC-SDK-04",
                f"{usage.path}:{usage.line} imports {package}, creates a client (line "
                f"{made.line}) and calls {used.callee} (line {used.line})",
                usage.path,
            )
            return
    anchor = sdk.package_json if sdk is not None else subject.join(platform.SERVICE_MANIFEST)
    yield fail(
        "SVC-SDK-04",
        anchor,
        json_key_line(repo, anchor, "name") if sdk is not None else None,
        f"no TypeScript outside the SDK imports {package} and calls a client method",
        "Call the service through the SDK in test/smoke (as the template does) or in a consumer.",
    )
