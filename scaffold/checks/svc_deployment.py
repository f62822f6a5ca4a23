"""SVC / Deployment: infra.ts, sst.config.ts registration, secrets, DNS, deploys, smoke test, prod gate
(SVC-DEP-01..09)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._cache import memo
from scaffold.checks._contracts import needs_evidence, needs_human
from scaffold.checks._infra import Infra, linked, load_infra, resource_reads
from scaffold.checks._service import (
    TsFile,
    fail,
    health_middleware,
    not_applicable,
    parse_typescript_files,
    passed,
    sources,
)
from scaffold.checks._service import typescript_files as service_typescript_files
from scaffold.checks.svc_docs import served_routes
from scaffold.checks.svc_observability import environment_entries
from scaffold.parsers import typescript as ts
from scaffold.verify.model import Finding, Kind
from scaffold.verify.repo import RepoView, Subject

SECRET_LIKE = re.compile(r"SECRET|DSN|TOKEN|PASSWORD|PRIVATE_KEY|API_KEY|DATABASE_URL|CREDENTIAL")
ENVIRONMENT_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
PROBE_HINT = "`scaffold verify --probe` checks it live"
# What a deploy ships: evidence about a deploy goes stale when any of these change.
DEPLOYED_FILES = (platform.SERVICE_INFRA, platform.SERVICE_PACKAGE_JSON, "src/**", "migrations/**")


def _anchor(infra: Infra) -> int:
    return infra.service.line if infra.service else 1


# --- SVC-DEP-01 --------------------------------------------------------------------------------------------
def _keys(value: ts.Value | None) -> set[str]:
    return set(value.value) if value is not None and isinstance(value.value, dict) else set()


def scaling_keys(infra: Infra) -> set[str]:
    """Keys of the service's `scaling`, spreads included (`{ ...scaling, cpuUtilization: 70 }` with
    `const scaling = prod ? {min, max} : {min, max}` counts min and max only if every branch has them)."""
    node = infra.service.option("scaling") if infra.service else None
    if node is None:
        return set()
    keys: set[str] = set()
    for value in ts.possible_objects(infra.parsed, node):
        for key in _keys(value):
            if key.startswith("..."):
                spread = [_keys(v) for v in _spread_sources(infra, key[3:])]
                keys |= set.intersection(*spread) if spread else set()
            else:
                keys.add(key)
    return keys


def _spread_sources(infra: Infra, name: str) -> list[ts.Value]:
    declared = ts.declarations(infra.parsed).get(name.strip())
    return ts.possible_objects(infra.parsed, declared) if declared is not None else []


def _has_key(value: object, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(_has_key(v, key) for v in value.values())
    return isinstance(value, list) and any(_has_key(v, key) for v in value)


def infra_gaps(infra: Infra) -> Iterator[tuple[int, str, str]]:
    """(line, what is missing, how to fix) for an incomplete infra.ts."""
    service = infra.service
    if service is None:
        yield 1, "infra.ts declares no `new sst.aws.Service(...)`", "Declare the service (see the template)."
        return
    hostnames = infra.hostnames()
    node = infra.hostname_node()
    line = ts.line_of(node) if node is not None else service.line
    if node is None:
        yield service.line, "the service has no `loadBalancer.domain` hostname", "Set loadBalancer.domain.name."
    elif infra.hostname_stops():
        pass  # the evaluator could not work the hostname out: a person decides (infra_complete says why)
    elif None in hostnames.values() or len(set(hostnames.values())) != len(hostnames):
        shown = ", ".join(f"{stage}: {host or '?'}" for stage, host in hostnames.items())
        yield (
            line,
            f"the hostname is not distinct and constant per stage ({shown})",
            ("Derive the hostname from $app.stage: prod `<name>.platform.loop.health`, else `<name>.<stage>...`."),
        )
    if "max" not in scaling_keys(infra):
        yield service.line, "the service declares no `scaling` with a `max`", "Add scaling: { min, max }."
    health = service.option("loadBalancer", "health")
    container_health = service.option("health")
    health_value = ts.literal_value(health).plain() if health is not None else None
    if not _has_key(health_value, "path") and container_health is None:
        yield (
            service.line,
            "the service has no health check (loadBalancer.health with a path)",
            (f'Add loadBalancer.health: {{ "<port>/http": {{ path: "{platform.HEALTH_PATH}" }} }}.'),
        )
    probed = _health_paths(infra)
    if probed and platform.HEALTH_PATH not in probed:
        yield (
            service.line,
            f"the health check probes {', '.join(sorted(probed))}, not {platform.HEALTH_PATH} (the one route served"
            " without a token)",
            f'Point loadBalancer.health at path: "{platform.HEALTH_PATH}".',
        )
    if not infra.alarms and not infra.unresolved_alarms:
        yield service.line, "infra.ts declares no CloudWatch alarms", "Add the alarms of SVC-OBS-04."


def _health_paths(infra: Infra) -> set[str]:
    """The paths the load balancer's health checks probe, evaluated (a computed `[`${PORT}/http`]` key too)."""
    service = next((c for c in infra.run.constructed if c.constructor == "sst.aws.Service"), None)
    health = service.option("loadBalancer", "health") if service is not None else None
    found: set[str] = set()
    pending = [health]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            path = value.get("path")
            if isinstance(path, str):
                found.add(path)
            pending += list(value.values())
    return found


@check(
    "SVC-DEP-01",
    "`infra.ts` complete: hostname, scaling, health check, alarms",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_INFRA,),
)
def infra_complete(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Parses infra.ts and checks the `new sst.aws.Service(...)` for: a `loadBalancer.domain` hostname
    that evaluates to a distinct constant in each stage (dev, staging, prod, folding `$app.stage`, through helper
    functions; one computed from values the file cannot know needs a person to confirm it), `scaling` with
    a `max` (spreads and per-stage ternaries followed), a health check (`loadBalancer.health` whose `path` is
    /healthz, or a container `health`), and at least one `aws.cloudwatch.MetricAlarm`.

    Why it matters: A service without a hostname is unreachable, without scaling it falls over under load,
    without a health check bad tasks keep receiving traffic, and without alarms nobody notices.

    How to fix: Add what the finding names; the service template's infra.ts has all four.
    """
    infra = load_infra("SVC-DEP-01", repo, subject)
    if isinstance(infra, Finding):
        yield infra
        return
    gaps = list(infra_gaps(infra))
    for line, message, fix in gaps:
        yield fail("SVC-DEP-01", infra.path, line, message, fix)
    stops = infra.hostname_stops()
    if stops and not gaps:
        yield hostname_needs_human("SVC-DEP-01", subject, stops)
    elif not gaps:
        hosts = infra.hostnames()
        yield passed(
            "SVC-DEP-01",
            f"hostname per stage ({', '.join(f'{s}: {h}' for s, h in hosts.items())}), scaling, health check, "
            f"{len(infra.alarms)} alarm(s)",
            infra.path,
        )


def hostname_needs_human(check_id: str, subject: Subject, stops: dict[str, str]) -> Finding:
    """Where the evaluator stopped on the hostname: the stages and why, for a person to decide."""
    shown = "; ".join(f"{stage}: {why}" for stage, why in stops.items())
    return needs_human(
        check_id,
        subject,
        f"infra.ts computes the hostname from values the verifier cannot know ({shown}): confirm the hostname of "
        "each stage",
    )


# --- SVC-DEP-02 --------------------------------------------------------------------------------------------
def _sst_imports(config: ts.ParsedTs) -> dict[str, list[tuple[int, str, bool]]]:
    """Module stem → (line, module as written, whether in the `services` array) of every `import(...)` of
    sst.config.ts, in file order: one pass, not one a service (a platform registers thousands)."""
    found: dict[str, list[tuple[int, str, bool]]] = {}
    for call in ts.calls(config, "import"):
        module = call.first_string()
        if module is None:
            continue
        stem = re.sub(r"\.(ts|js|mjs)$", "", posixpath.normpath(module))
        in_services = ts.declared_name(call.node) == platform.SST_SERVICES_ARRAY
        found.setdefault(stem, []).append((call.line, module, in_services))
    return found


def registration(repo: RepoView, subject: Subject, check_id: str) -> Finding | tuple[int, str]:
    """(line, text) of the service's `await import("./services/<name>/infra")` in sst.config.ts' `services`
    array, or a fail."""
    config = repo.typescript(platform.SST_CONFIG)
    if config is None or config.error_line is not None:
        line = config.error_line if config is not None else None
        return fail(
            check_id,
            platform.SST_CONFIG,
            line,
            f"{platform.SST_CONFIG} is missing or does not parse",
            "Restore sst.config.ts (`scaffold init` writes it).",
        )
    target = platform.service_infra_module(subject.name)
    elsewhere = None
    for line, module, in_services in memo(repo, "sst imports", lambda: _sst_imports(config)).get(target, ()):
        if in_services:
            return line, module
        elsewhere = line
    services = ts.variable_declarator(config, platform.SST_SERVICES_ARRAY)
    services_line = ts.line_of(services) if services is not None else None
    if elsewhere is not None:
        message = f"{platform.SST_CONFIG}:{elsewhere} imports {target} outside the `services` array"
    else:
        message = f"{platform.SST_CONFIG} does not import ./{target} in its `services` array"
    return fail(
        check_id,
        platform.SST_CONFIG,
        elsewhere or services_line or 1,
        message,
        f'Add `await import("./{target}"),` to the `services` array in run().',
    )


@check(
    "SVC-DEP-02",
    "Service registered in `sst.config.ts`",
    mode="auto",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_INFRA,),
)
def registered_in_sst_config(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Parses sst.config.ts and looks for `await import("./services/<name>/infra")` among the elements
    of the `services` array (inside `run()`), and checks that services/<name>/infra.ts exists.

    Why it matters: SST deploys only what `run()` imports; an unregistered service is never deployed, however
    complete its infra.ts is.

    How to fix: Add `await import("./services/<name>/infra"),` to the `services` array (`scaffold new service`
    does this).
    """
    found = registration(repo, subject, "SVC-DEP-02")
    if isinstance(found, Finding):
        yield found
        return
    infra_file = subject.join(platform.SERVICE_INFRA)
    if not repo.has_file(infra_file):
        yield fail(
            "SVC-DEP-02",
            platform.SST_CONFIG,
            found[0],
            f"sst.config.ts imports {found[1]} but {infra_file} does not exist",
            "Create infra.ts or remove the import.",
        )
        return
    yield passed(
        "SVC-DEP-02", f"{platform.SST_CONFIG}:{found[0]} imports {found[1]} in `services`", platform.SST_CONFIG
    )


# --- SVC-DEP-03 --------------------------------------------------------------------------------------------
def secret_variables(repo: RepoView, subject: Subject) -> dict[str, tuple[str, int]]:
    """Secret-like environment variables the code reads (config schema keys, `process.env.X`) → where."""
    files, _ = sources(repo, subject, "SVC-DEP-03")
    found: dict[str, tuple[str, int]] = {}
    config = subject.join(platform.SERVICE_CONFIG)
    for file in files:
        names = ts.member_properties(file.parsed, "process.env")
        if file.path == config:
            names += ts.property_keys(file.parsed)
        for name, line in names:
            if ENVIRONMENT_NAME.match(name) and SECRET_LIKE.search(name):
                found.setdefault(name, (file.path, line))
    return found


@check(
    "SVC-DEP-03",
    "SST Secrets set for dev / staging / prod",
    mode="auto (declared) + evidence (set)",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_INFRA, platform.SERVICE_CONFIG),
)
def secrets_declared(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds the secret-like environment variables the service reads (names with SECRET, DSN, TOKEN,
    PASSWORD, API_KEY, DATABASE_URL ... in src/config.ts' schema or `process.env.X`) and checks that infra.ts
    passes each into the service's `environment` from a declared `new sst.Secret(...)` (`<secret>.value`), not a
    literal. Declared, the secrets still have to be set in every stage: that needs evidence.

    Why it matters: An SST secret holds one value per stage; a secret that is read but never declared, or a value
    hard-coded in infra.ts, breaks the deploy or leaks the same credential into every stage.

    Secrets reached through SST's `link: [...]` count when the code reads them as `Resource.<Name>.value` (imported
    from "sst") and the secret is in the service's `link`. A live-looking credential written into src/ (a Stripe
    `sk_live_` key, an AWS access key id, a private-key PEM, a GitHub or Slack token) fails at its line. With no
    secret seen at all while infra.ts declares some, a person has to say how the code gets them.

    How to fix: Declare `new sst.Secret("<Name><What>")`, pass `<secret>.value` in `environment` (or link it and
    read `Resource.<Name>.value`), then `sst secret set <Name><What> <value> --stage <stage>` for dev, staging and
    prod and record it with `scaffold attest SVC-DEP-03 --evidence ...`. Move a hard-coded credential into such a
    secret and rotate it: it is in the git history.
    """
    infra = load_infra("SVC-DEP-03", repo, subject)
    if isinstance(infra, Finding):
        yield infra
        return
    files, failures = sources(repo, subject, "SVC-DEP-03")
    yield from failures
    hard_coded = list(live_credentials(files))
    for path, line, kind in hard_coded:
        yield fail(
            "SVC-DEP-03",
            path,
            line,
            f"a live-looking {kind} is written into the source, the same in every stage and in the git history",
            "Move it into an SST secret (new sst.Secret, read per stage) and rotate it.",
        )
    wanted = secret_variables(repo, subject)
    by_name = {s.first_string(): s for s in infra.secrets if s.first_string()}
    read_linked = {name: where for name, where in resource_reads(files).items() if name in by_name}
    links = linked(infra)
    for name, (path, line) in sorted(read_linked.items()):
        if by_name[name] not in links:
            hard_coded.append((path, line, name))
            yield fail(
                "SVC-DEP-03",
                path,
                line,
                f"Resource.{name} is read here but the service's `link` in infra.ts does not include it",
                f"Add the secret {name} to the service's `link: [...]`.",
            )
    if hard_coded:
        return
    if not wanted and not read_linked and infra.secrets:
        names = ", ".join(s.first_string() or s.variable or "?" for s in infra.secrets)
        yield needs_human(
            "SVC-DEP-03",
            subject,
            f"infra.ts declares {names} but the code reads no secret verify can trace (no secret-like variable,"
            " no linked `Resource.<Name>.value`): say how the service gets its secrets in each stage",
        )
        return
    if not wanted and not infra.secrets:
        yield not_applicable("SVC-DEP-03", f"{subject.name} reads no secrets and infra.ts declares none")
        return
    environment = infra.service.option("environment") if infra.service else None
    given = dict(environment_entries(environment)) if environment is not None else {}
    findings = []
    for name, (path, line) in sorted(wanted.items()):
        value = given.get(name)
        resource = infra.resource(ts.text_of(value)) if value is not None else None
        if value is None:
            findings.append(
                fail(
                    "SVC-DEP-03",
                    path,
                    line,
                    f"{name} is read here but infra.ts does not pass it to the service",
                    f"Pass {name}: <secret>.value in the service's environment.",
                )
            )
        elif resource is None or resource not in infra.secrets:
            findings.append(
                fail(
                    "SVC-DEP-03",
                    infra.path,
                    ts.line_of(value),
                    f"{name} is `{ts.text_of(value)}`, not an SST secret, so it is the same in every stage",
                    f'Declare new sst.Secret("...") and pass its .value as {name}.',
                )
            )
    if findings:
        yield from findings
        return
    declared = [s.first_string() or s.variable or "?" for s in infra.secrets]
    yield passed(
        "SVC-DEP-03",
        f"{len(wanted)} secret variable(s) and {len(read_linked)} linked secret(s) come from SST secrets: "
        f"{', '.join(declared)}",
        infra.path,
    )
    yield needs_evidence(
        "SVC-DEP-03",
        subject,
        f"the SST secrets {', '.join(declared)} are set in {', '.join(platform.DEPLOY_STAGES)} "
        "(`sst secret list --stage <stage>`)",
    )


# Credentials whose shape says they are live (not a placeholder): vendors publish these prefixes so that
# scanners can find leaks (Stripe, AWS, GitHub, Slack), and a PEM private key is one whatever its issuer.
LIVE_CREDENTIALS = (
    ("Stripe live key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[0-9A-Za-z]{36,}")),
    ("Slack token", re.compile(r"\bxox[baprs]-[0-9A-Za-z-]{10,}")),
)


def live_credentials(files: list[TsFile]) -> Iterator[tuple[str, int, str]]:
    """(path, line, kind) of every string literal in the code that holds a live-looking credential."""
    for file in files:
        for value, line in ts.strings(file.parsed):
            for kind, pattern in LIVE_CREDENTIALS:
                if pattern.search(value):
                    yield file.path, line, kind
                    break


# --- SVC-DEP-04 --------------------------------------------------------------------------------------------
def dns_problems(infra: Infra, service: str) -> Iterator[tuple[int, str]]:
    node = infra.hostname_node()
    if infra.service is None or node is None:
        yield (_anchor(infra), "infra.ts declares no service hostname (loadBalancer.domain)")
        return
    line = ts.line_of(node)
    domain = infra.service.option("loadBalancer", "domain")
    dns = ts.object_property(domain, "dns") if domain is not None else None
    if dns is None or "cloudflare" not in ts.text_of(dns):
        yield line, "the domain has no `dns: sst.cloudflare.dns()`, so no Cloudflare record is created"
    if infra.hostname_stops():
        return  # not known: the check asks a person (hostname_needs_human) instead of comparing
    hosts = infra.hostnames()
    prod = platform.service_hostname(service, "prod")
    if hosts.get("prod") != prod:
        yield line, f"the prod hostname is {hosts.get('prod')!r}, expected {prod!r}"
    for stage in (s for s in platform.DEPLOY_STAGES if s != "prod"):
        host = hosts.get(stage)
        if (
            not host
            or host == prod
            or not host.endswith(platform.PLATFORM_HOST_SUFFIX)
            or not host.startswith((f"{service}.", f"{service}-"))
        ):
            yield (
                line,
                f"the {stage} hostname is {host!r}, expected a {stage} variant such as "
                f"{platform.service_hostname(service, stage)!r}",
            )


@check(
    "SVC-DEP-04",
    "Cloudflare DNS configured (`<service>.platform.loop.health` and stage variants)",
    mode="auto (declared) + evidence",
    kind=Kind.SERVICE,
    covers=(platform.SERVICE_INFRA,),
)
def dns_declared(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Evaluates the service's `loadBalancer.domain.name` in infra.ts for each stage and checks that
    prod is `<service>.platform.loop.health`, that dev and staging get their own `<service>.<stage>...` variant,
    and that the domain has `dns: sst.cloudflare.dns()`. Declared, the records must still exist: that needs
    evidence.

    Why it matters: Callers and the SDK reach the service by these names; a wrong or shared hostname sends
    staging traffic to prod or nowhere.

    How to fix: `const hostname = stage === "prod" ? "<service>.platform.loop.health" :
    \\`<service>.${stage}.platform.loop.health\\``, used as `domain: { name: hostname, dns: sst.cloudflare.dns() }`.
    """
    infra = load_infra("SVC-DEP-04", repo, subject)
    if isinstance(infra, Finding):
        yield infra
        return
    stops = infra.hostname_stops()
    problems = list(dns_problems(infra, subject.name))
    if stops and not problems:
        yield hostname_needs_human("SVC-DEP-04", subject, stops)
        return
    for line, message in problems:
        yield fail("SVC-DEP-04", infra.path, line, message, "Declare the per-stage hostnames with Cloudflare DNS.")
    if problems:
        return
    hosts = infra.hostnames()
    yield passed("SVC-DEP-04", f"Cloudflare DNS declared for {', '.join(str(h) for h in hosts.values())}", infra.path)
    yield needs_evidence(
        "SVC-DEP-04",
        subject,
        f"the Cloudflare records exist and resolve (`dig +short {hosts['prod']}`, and the stage variants)",
    )


# --- SVC-DEP-05 / 07 / 08: deploys -------------------------------------------------------------------------
def stage_url(repo: RepoView, subject: Subject, check_id: str, stage: str) -> str | Finding:
    """`https://<hostname in stage>`, or a fail when infra.ts cannot say what it is."""
    infra = load_infra(check_id, repo, subject)
    if isinstance(infra, Finding):
        return infra
    host = infra.hostnames().get(stage)
    stop = infra.hostname_stops().get(stage)
    if not host and stop is not None:
        return hostname_needs_human(check_id, subject, {stage: stop})
    if not host:
        node = infra.hostname_node()
        return fail(
            check_id,
            infra.path,
            ts.line_of(node) if node is not None else _anchor(infra),
            f"infra.ts gives no constant {stage} hostname, so there is nothing to deploy to or probe",
            "Declare the per-stage hostname (SVC-DEP-04).",
        )
    return f"https://{host}"


@check(
    "SVC-DEP-05",
    "Deploy to dev succeeds, healthz returns 200",
    mode="evidence (live probe)",
    kind=Kind.SERVICE,
    covers=DEPLOYED_FILES,
)
def dev_deploy_healthy(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Checks what the probe needs: the service serves `GET /healthz` (a route in src/, or a middleware
    mounted with `app.use(...)` that answers when `c.req.path === "/healthz"`) and infra.ts
    gives it a dev hostname. Then asks for the outside fact: a dev deploy whose `https://<dev host>/healthz`
    answered 200 — probed live by `scaffold verify --probe`, or recorded as evidence.

    Why it matters: A deploy that "succeeded" but does not answer its health check is not serving anyone.

    How to fix: Deploy (`pnpm sst deploy --stage dev`), then `scaffold verify --probe`, or record the successful
    probe with `scaffold attest SVC-DEP-05 --evidence <deploy log or URL>`.
    """
    files, failures = sources(repo, subject, "SVC-DEP-05")
    yield from failures
    if not any(
        at.route.method == "get" and at.path == platform.HEALTH_PATH for at in served_routes(repo, subject, files)
    ) and not health_middleware(files):
        yield fail(
            "SVC-DEP-05",
            subject.join(platform.SERVICE_SRC_DIR),
            None,
            f"the service serves no GET {platform.HEALTH_PATH}, so no health probe can pass",
            f'Mount app.get("{platform.HEALTH_PATH}", ...) before authenticate() in src/app.ts.',
        )
        return
    url = stage_url(repo, subject, "SVC-DEP-05", "dev")
    if isinstance(url, Finding):
        yield url
        return
    yield needs_evidence(
        "SVC-DEP-05",
        subject,
        f"a dev deploy whose GET {url}{platform.HEALTH_PATH} answered 200; {PROBE_HINT}",
    )


@check(
    "SVC-DEP-07",
    "Deploy to staging succeeds",
    mode="evidence",
    kind=Kind.SERVICE,
    covers=DEPLOYED_FILES,
)
def staging_deploy(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Checks what a staging deploy needs from the repo — the service is registered in sst.config.ts
    and infra.ts gives it a staging hostname — then asks for the outside fact: a successful staging deploy (probed
    by `scaffold verify --probe` at `https://<staging host>/healthz`, or recorded).

    Why it matters: Staging is where the service first meets real neighbours and real configuration.

    How to fix: `pnpm sst deploy --stage staging`, then `scaffold verify --probe` or `scaffold attest SVC-DEP-07
    --evidence <deploy run URL>`.
    """
    found = registration(repo, subject, "SVC-DEP-07")
    if isinstance(found, Finding):
        yield found
        return
    url = stage_url(repo, subject, "SVC-DEP-07", "staging")
    if isinstance(url, Finding):
        yield url
        return
    yield needs_evidence("SVC-DEP-07", subject, f"a successful staging deploy serving {url}; {PROBE_HINT}")


@check(
    "SVC-DEP-08",
    "Soak in staging for at least 24 hours",
    mode="evidence",
    kind=Kind.SERVICE,
    covers=DEPLOYED_FILES,
)
def staging_soak(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Checks that a soak can be judged — infra.ts declares alarms to watch and a staging hostname —
    then asks for the outside fact: the service ran in staging for 24 hours or more without an alarm firing.

    Why it matters: Leaks, slow queries and retry storms show up over hours, not in a smoke test.

    How to fix: Leave the staging deploy running for 24 hours, then record the alarm history:
    `scaffold attest SVC-DEP-08 --evidence <CloudWatch alarm history link>`.
    """
    infra = load_infra("SVC-DEP-08", repo, subject)
    if isinstance(infra, Finding):
        yield infra
        return
    if not infra.alarms and not infra.unresolved_alarms:
        yield fail(
            "SVC-DEP-08",
            infra.path,
            _anchor(infra),
            "infra.ts declares no alarms, so a soak has nothing to watch",
            "Define the alarms of SVC-OBS-04.",
        )
        return
    url = stage_url(repo, subject, "SVC-DEP-08", "staging")
    if isinstance(url, Finding):
        yield url
        return
    names = ", ".join(a.name for a in infra.alarms)
    yield needs_evidence(
        "SVC-DEP-08",
        subject,
        f"{url} ran in staging for at least 24 hours with none of its alarms ({names}) firing (link the alarm history)",
    )


# --- SVC-DEP-06 --------------------------------------------------------------------------------------------
@check(
    "SVC-DEP-06",
    "Smoke test against dev passes",
    mode="auto (smoke test exists) + evidence",
    kind=Kind.SERVICE,
    covers=(*DEPLOYED_FILES, "test/smoke/**"),
)
def smoke_test_exists(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Parses the TypeScript under test/smoke/ and looks for a test that calls the health route (a call
    whose string argument ends in `/healthz`) and can be pointed at a deployed stage (it reads its base URL from
    `process.env`). Then asks for evidence that it passed against dev.

    Why it matters: The smoke test is the fastest proof that a deploy really serves requests; one that can only run
    in-process proves nothing about dev.

    How to fix: Keep the template's test/smoke/smoke.test.ts (it reads SMOKE_BASE_URL); run it against dev with
    `SMOKE_BASE_URL=https://<service>.dev.platform.loop.health pnpm test test/smoke` and record the run:
    `scaffold attest SVC-DEP-06 --evidence <CI run URL>`.
    """
    folder = subject.join(platform.SERVICE_SMOKE_TESTS_DIR)
    files, failures = parse_typescript_files(
        repo, "SVC-DEP-06", service_typescript_files(repo, subject, platform.SERVICE_SMOKE_TESTS_DIR)
    )
    yield from failures
    if not files and not failures:
        yield fail(
            "SVC-DEP-06",
            folder,
            None,
            f"{folder}/ has no smoke test",
            "Add test/smoke/smoke.test.ts that calls /healthz through the SDK.",
        )
        return
    for file in files:
        health = next(
            (
                c
                for c in ts.all_calls(file.parsed)
                if any((a.string or "").split("?")[0].endswith(platform.HEALTH_PATH) for a in c.arguments)
            ),
            None,
        )
        reads_env = ts.member_properties(file.parsed, "process.env")
        if health is not None and reads_env:
            yield passed(
                "SVC-DEP-06",
                f"{file.path}:{health.line} calls {platform.HEALTH_PATH}; the target comes from "
                f"process.env.{reads_env[0][0]} (line {reads_env[0][1]})",
                file.path,
            )
            url = stage_url(repo, subject, "SVC-DEP-06", "dev")
            target = url if isinstance(url, str) else "the dev hostname"
            yield needs_evidence(
                "SVC-DEP-06",
                subject,
                f"the smoke test passed against dev ({reads_env[0][0]}={target} pnpm test "
                f"{platform.SERVICE_SMOKE_TESTS_DIR})",
            )
            return
    if files:
        first = files[0]
        yield fail(
            "SVC-DEP-06",
            first.path,
            1,
            "no smoke test both calls /healthz and reads its target URL from process.env",
            "Call /healthz and take the base URL from an environment variable (SMOKE_BASE_URL).",
        )


# --- SVC-DEP-09 --------------------------------------------------------------------------------------------
@check(
    "SVC-DEP-09",
    "Prod gate approved by reviewer",
    mode="human",
    kind=Kind.SERVICE,
    covers=("**",),
    independent=True,
)
def prod_gate_approved(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Finds what the reviewer approves — the service's prod URL from infra.ts (failing when infra.ts
    gives no prod hostname, as there is then no prod deploy to gate) — and asks for the reviewer's sign-off.

    Why it matters: The prod gate is the last human look at a service before it takes real traffic and PHI.

    How to fix: Have a reviewer (not the author) check the staging evidence and approve:
    `scaffold attest SVC-DEP-09`.
    """
    url = stage_url(repo, subject, "SVC-DEP-09", "prod")
    if isinstance(url, Finding):
        yield url
        return
    yield needs_human(
        "SVC-DEP-09",
        subject,
        f"a reviewer other than the author approves deploying {subject.name} to prod ({url}) after the staging soak",
    )
