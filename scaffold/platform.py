"""Where things live in a platform repo — the one module that knows the layout (docs/LAYOUT.md)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path

MARKER = ".scaffold/platform.yaml"
SERVICES_DIR = "services"
INTEGRATIONS_DIR = "integrations"
SERVICE_MANIFEST = "service.yaml"
SERVICE_OPENAPI = "openapi.yaml"
SERVICE_SHAPE = "services/_template/shape.yaml"
SERVICE_SCHEMA = "schemas/service.schema.json"
# JSON Schemas of the other platform manifests (copies of scaffold/schemas/; checks fall back on those when absent).
CATALOG_SCHEMA = "schemas/catalog.schema.json"
M2M_CLIENTS_SCHEMA = "schemas/m2m-clients.schema.json"
FREEZE_WINDOWS_SCHEMA = "schemas/freeze-windows.schema.json"
INTEGRATION_SCHEMA = "schemas/integration.schema.json"
SST_CONFIG = "sst.config.ts"
SST_SERVICES_ARRAY = "services"  # the array in sst.config.ts' run() that imports each service's infra (SVC-DEP-02)
CATALOG = "catalog/services.yaml"
CATALOG_SERVICES_KEY = "services"  # the catalog's list of service entries, each keyed by `name`
M2M_CLIENTS = "identity/m2m-clients.yaml"
FREEZE_WINDOWS = "release/freeze-windows.yaml"
CHANGESET_DIR = ".changeset"
CONTRACTS_EVENTS_DIR = "packages/contracts/src/events"
EVENT_REGISTRY = "packages/contracts/src/events/registry.ts"
EVENT_REGISTRY_CONST = "EVENT_SCHEMAS"  # the const in EVENT_REGISTRY: event name -> zod schema
EVENT_NAMES = "packages/contracts/src/events/names.generated.ts"
ERROR_CODES = "packages/contracts/src/errors.ts"
WEBHOOK_FILTERS = "packages/contracts/src/webhooks.ts"
SCOPES_REGISTRY = "packages/scopes/src/registry.ts"
SCOPES_REGISTRY_CONST = "SCOPES"  # the const in SCOPES_REGISTRY (and a service's test SCOPES array)
JOBS_REGISTRY = "services/jobs/src/jobs/registry.ts"
JOBS_REGISTRY_CONST = "JOBS"  # the array in JOBS_REGISTRY: one JobDefinition per job
JOBS_RUNBOOK = "services/jobs/RUNBOOK.md"
DOCS_SERVICES = "docs/services"
DOCS_SDK = "docs/sdk"
DOCS_EVENTS = "docs/events"
DOCS_API = "docs/api"
DOCS_CONNECT = "docs/connect/capabilities.md"
ATTESTATIONS = ".scaffold/attestations.yaml"
# The platform-wide manifests and the schema each must satisfy (None: a mapping is all): whatever checks read
# them, the verifier reports one that cannot be read (scaffold/verify/engine.py) rather than pass silently.
PLATFORM_MANIFESTS: tuple[tuple[str, str | None], ...] = (
    (MARKER, None),
    (CATALOG, CATALOG_SCHEMA),
    (M2M_CLIENTS, M2M_CLIENTS_SCHEMA),
    (FREEZE_WINDOWS, FREEZE_WINDOWS_SCHEMA),
)
# Folders the verifier never reads (by name, at any depth): installed packages, build output, VCS data.
IGNORED_DIRS = frozenset({"node_modules", ".git", ".sst", "dist", ".turbo"})
VERIFY_CACHE_DIR = ".scaffold/cache"
VERIFY_RESULTS_DIR = f"{VERIFY_CACHE_DIR}/results"  # per-subject results keyed by content (verify/results.py)
# One writer at a time (scaffold/repofs/lock.py) and the record of an apply in progress (scaffold/staging.py).
REPO_LOCK = ".scaffold/lock"
APPLY_JOURNAL = ".scaffold/journal"
RESERVED_SERVICE_NAMES = frozenset({"_template", "jobs", "sdk", "shared", "platform", "node_modules"})

# --- events, jobs, integrations, endpoints, deploys (EVT, JOB, INT, EP, DEPLOY) ------------------------------
CONTRACTS_DIR = "packages/contracts"
CONTRACTS_TESTS_DIR = "packages/contracts/test"
PLATFORM_EVENT_FAMILY = "platform"  # platform-wide events (platform.heartbeat): published by every service's smoke test
JOBS_DIR = "services/jobs"
JOBS_INFRA = "services/jobs/infra.ts"
JOBS_RUNNER = "services/jobs/src/runner.ts"
# The scope the jobs M2M client holds (packages/scopes registry) and every job's admin route requires: the generator
# writes `requireScope(JOBS_SCOPE)` (templates/job says it literally), JOB-01's fix text and docs name it.
JOBS_SCOPE = "jobs:run"
INTEGRATION_MANIFEST = "integration.yaml"
COPIER_ANSWERS = ".copier-answers.yml"  # every generated folder's copier answers (scaffold/templates.py)
INTEGRATION_ANSWERS = COPIER_ANSWERS
INTEGRATION_ERRORS_MODULE = "src/errors.ts"  # integration-relative: maps every platform error code (INT-06)
BUTTON_KIT_MODULE = "@platform/button-kit"  # the Loop button kit (INT-11)
OAUTH_REVOKE_PATH = "/oauth/revoke"  # the identity service's token revocation endpoint (INT-09)
AUDIENCE_KEY = "x-platform-audience"  # operation-level; "third-party" makes an operation an EP subject
THIRD_PARTY_AUDIENCE = "third-party"
RATE_LIMIT_KEY = "x-platform-rate-limit"  # operation-level: {requests: N, per: second|minute|hour|day} (EP-04)
WEBHOOKS_KEY = "x-platform-webhooks"  # operation-level: event names the operation emits as webhooks (EP-05)
STATE_CHANGE_KEY = "x-platform-state-change"  # operation-level: false when a mutation changes no meaningful state
ROOT_PACKAGE_JSON = "package.json"
DEPLOY_STAGES = ("dev", "staging", "prod")


# --- inside a service folder (service-relative; SVC-CODE, SVC-DB, SVC-EV, SVC-TEST) ---------------------------
SERVICE_SRC_DIR = "src"
SERVICE_SERVICES_DIR = "src/services"
SERVICE_EVENTS_DIR = "src/events"
# The routes' zod validators, rendered from openapi.yaml by scaffold/zod_gen.py (the one source of the API shape)
SERVICE_API_VALIDATORS = "src/api.generated.ts"
SERVICE_PUBLISHERS = "src/publishers.ts"  # typed publisher helpers, one per published event (`scaffold new event`)
SERVICE_JOB_WORK_DIR = "src/jobs"  # one module per job the service runs (`scaffold new job`): its work function
SERVICE_MIGRATIONS_DIR = "migrations"
SERVICE_UNIT_TESTS_DIR = "test/unit"
SERVICE_INTEGRATION_TESTS_DIR = "test/integration"
SERVICE_CONFORMANCE_TESTS_DIR = "test/conformance"
SERVICE_MIGRATION_TESTS_DIR = "test/migration"
SERVICE_TESTS_DIR = "test"
SERVICE_TEST_HELPERS = "test/helpers.ts"  # SCOPES the tests may hold, truncateAll() (generators extend both)
PLATFORM_HOST_SUFFIX = ".platform.loop.health"  # services' own hosts: call them through SDKs (SVC-CODE-07)
UNSCOPED_ROUTES = frozenset({("get", "/healthz")})  # the only routes exempt from requireScope (SVC-CODE-04)
# First line of a migration runMigrations runs outside a transaction (one statement, e.g. CREATE INDEX CONCURRENTLY).
NO_TRANSACTION_MARKER = "-- scaffold: no-transaction"
CONTRACT_MARKER = "contract:"  # `-- contract: NNNN_<expand>.sql` heads a contract-phase migration (SVC-DB-01)

# --- docs, observability, auth, deployment, SDK of a service (SVC-DOC, SVC-OBS, SVC-AUTH, SVC-DEP, SVC-SDK) ------
SERVICE_README = "README.md"
SERVICE_RUNBOOK = "RUNBOOK.md"
SERVICE_INFRA = "infra.ts"
SERVICE_PACKAGE_JSON = "package.json"
SERVICE_CONFIG = "src/config.ts"
SERVICE_ENTRY = "src/index.ts"  # the process entry when package.json names none (SVC-OBS-01)
SERVICE_SMOKE_TESTS_DIR = "test/smoke"
SERVICE_SDK_DIR = "sdk"  # service-relative home of @platform/sdk-<name>
SDK_PACKAGE_PREFIX = "@platform/sdk-"
SDK_SCHEMA = "src/schema.ts"  # SDK-relative: written by `pnpm sdk:gen` (openapi-typescript) from openapi.yaml
SDK_GEN_SCRIPT = "sdk:gen"
HEALTH_PATH = "/healthz"
SERVICE_KIT_PACKAGE = "@platform/service-kit"
# What generated code calls from @platform/service-kit and the checks look for (templates/platform/packages/
# service-kit/src/index.ts exports each; tests/test_conventions.py holds the two to each other).
KIT_REQUIRE_SCOPE = "requireScope"
KIT_REQUIRE_BAA = "requireBaa"
KIT_IDEMPOTENCY = "idempotency"
KIT_AUDIT = "audit"
KIT_TRANSACTIONAL = "transactional"
KIT_ENQUEUE = "enqueue"
KIT_PUBLISH_PENDING = "publishPending"
KIT_HANDLE_ONCE = "handleOnce"
KIT_SAFE_VIEW = "safeView"
KIT_CIRCUIT_BREAKER = "withCircuitBreaker"
KIT_RUN_MIGRATIONS = "runMigrations"
KIT_FROM_PGLITE = "fromPGlite"
# @platform/service-kit/testing (src/testing.ts): a test file's PGlite, started from the run's migrated snapshot
KIT_START_PGLITE = "startPGlite"
KIT_PGLITE_FROM = "pgliteFrom"
KIT_RUN_JOB_WORK = "runJobWork"  # a job's admin route body: runs the job's work function in the request's transaction
KIT_NAMES = (
    KIT_REQUIRE_SCOPE,
    KIT_REQUIRE_BAA,
    KIT_IDEMPOTENCY,
    KIT_AUDIT,
    KIT_TRANSACTIONAL,
    KIT_ENQUEUE,
    KIT_PUBLISH_PENDING,
    KIT_HANDLE_ONCE,
    KIT_SAFE_VIEW,
    KIT_CIRCUIT_BREAKER,
    KIT_RUN_MIGRATIONS,
    KIT_FROM_PGLITE,
    KIT_START_PGLITE,
    KIT_PGLITE_FROM,
    KIT_RUN_JOB_WORK,
)


class OutsideService(ValueError):
    """A path a service's manifest declares that leads out of the service folder."""


def service_openapi(service: str, manifest: object) -> str:
    """Repo path of a service's OpenAPI document: `contracts.openapi` of its service.yaml (service-relative; the
    schema requires it), or openapi.yaml when the manifest does not say. The one reader of that key: generators,
    checks, `--fix` and the SDK regeneration all find the document here. Raises OutsideService for a declared path
    that is absolute or has a `..` segment (service.schema.json's pattern makes that a SVC-CODE-02 failure)."""
    contracts = manifest.get("contracts") if isinstance(manifest, Mapping) else None
    declared = contracts.get("openapi") if isinstance(contracts, Mapping) else None
    if not isinstance(declared, str) or not declared.strip():
        return f"{service_dir(service)}/{SERVICE_OPENAPI}"
    if declared.startswith("/") or "\\" in declared or ".." in declared.split("/"):
        raise OutsideService(
            f"{service_dir(service)}/{SERVICE_MANIFEST}: contracts.openapi {declared!r} leads out of the service folder"
        )
    return f"{service_dir(service)}/{posixpath.normpath(declared)}"


def service_infra_module(service: str) -> str:
    """The module sst.config.ts imports to deploy a service: `services/<name>/infra` (its infra.ts, no suffix)."""
    return f"{service_dir(service)}/{SERVICE_INFRA}".removesuffix(".ts")


def sdk_package_name(service: str) -> str:
    return f"{SDK_PACKAGE_PREFIX}{service}"


def sdk_dir(service: str) -> str:
    """The folder of @platform/sdk-<service>: `services/<service>/sdk` (docs/LAYOUT.md)."""
    return f"{service_dir(service)}/{SERVICE_SDK_DIR}"


def service_hostname(service: str, stage: str) -> str:
    """`<service>.platform.loop.health` in prod, `<service>.<stage>.platform.loop.health` elsewhere (SVC-DEP-04)."""
    return f"{service}{PLATFORM_HOST_SUFFIX}" if stage == "prod" else f"{service}.{stage}{PLATFORM_HOST_SUFFIX}"


def service_dir(name: str) -> str:
    return f"{SERVICES_DIR}/{name}"


def publisher_function(event: str) -> str:
    """The publisher helper of an event in its publisher's SERVICE_PUBLISHERS: `invoice.paid` -> publishInvoicePaid."""
    return "publish" + "".join(word[:1].upper() + word[1:] for word in re.split(r"[.\-_]", event) if word)


def publisher_test(event: str) -> str:
    """Service-relative test of an event's publisher helper (`scaffold new event`)."""
    return f"{SERVICE_UNIT_TESTS_DIR}/publish-{event}.test.ts"


def job_work_function(job: str) -> str:
    """The function holding a job's work in its target service: `nightly-cleanup` -> nightlyCleanup."""
    first, *rest = job.split("-")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


def job_work_file(job: str) -> str:
    """Service-relative module of a job's work function (`scaffold new job`; JOB-01 reads it)."""
    return f"{SERVICE_JOB_WORK_DIR}/{job}.ts"


def event_family_file(family: str) -> str:
    return f"{CONTRACTS_EVENTS_DIR}/{family}.ts"


def find_platform_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds the platform marker."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / MARKER).is_file():
            return folder
    return None


# What a production deploy ships, as globs from the repo root (`*` crosses `/`): the DEPLOY sign-offs (DEPLOY-03
# reviewer, DEPLOY-06 on-call) are bound to these files, so a code change after the sign-off makes it stale.
DEPLOYED_FILES = (
    f"{CHANGESET_DIR}/*.md",
    f"{SERVICES_DIR}/*",
    f"{INTEGRATIONS_DIR}/*",
    "packages/*",
    SST_CONFIG,
    ROOT_PACKAGE_JSON,
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
)
