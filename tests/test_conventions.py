"""One home for the platform's conventions (issue 10, point 5): what a generator writes and what a check reads,
names in fix texts and docs, all come from scaffold/platform.py — these tests fail when one side drifts."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold import platform
from scaffold.checks import job as job_checks
from scaffold.generators import job as job_generator
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "checks"


def test_the_job_scope_is_one_name_in_generator_template_check_fix_and_docs() -> None:
    """The generator's admin route, JOB-01's fix text and docs/checks.md name the same scope: the one the jobs M2M
    client holds (`jobs:run` in the platform's scopes registry)."""
    scope = platform.JOBS_SCOPE
    assert scope == job_generator.JOBS_SCOPE
    route = ROOT / "templates/job/services/{{ target }}/src/routes/jobs.ts.jinja"
    assert f'requireScope("{scope}")' in route.read_text()
    registry = (ROOT / "templates/platform" / platform.SCOPES_REGISTRY).read_text()
    assert f'"{scope}":' in registry
    findings = run_checks(FIXTURES / "JOB-01/fail-no-route/repo", Selection(only=("JOB-01",)))
    fixes = [f.fix or "" for f in findings if f.status is Status.FAIL]
    assert fixes and all(f'requireScope("{scope}")' in fix for fix in fixes), fixes
    doc = job_checks.target_endpoint_is_idempotent.__doc__ or ""
    assert f'requireScope("{scope}")' in doc and ":admin" not in doc
    page = (ROOT / "docs/checks.md").read_text()
    job_01 = page[page.index("### JOB-01") : page.index("### JOB-02")]
    assert f'requireScope("{scope}")' in job_01 and ":admin" not in job_01


# --- no convention spelled twice ----------------------------------------------------------------------------
# Literals equal to a platform.py value that are another convention with the same spelling (file, value): why.
SAME_SPELLING_OTHER_MEANING = {
    ("scaffold/checks/svc_sdk.py", "src/index.ts"): "an SDK package's default entry, not the service's",
    ("scaffold/parsers/openapi.py", "openapi.yaml"): "parsers sit below platform.py: the name of a document given "
    "no location",
    ("scaffold/checks/svc_tests.py", "audit"): "a topic a conformance test names (audit rows), not the middleware",
}


def _literal_copies() -> list[tuple[str, int, str, str]]:
    """(file, line, platform name, value) for each plain string constant in scaffold/ (docstrings aside) that
    spells a path or file-name convention of platform.py, a service-kit name (KIT_*) or a registry's const name
    (*_CONST)."""
    import ast

    values = {
        value: name
        for name, value in vars(platform).items()
        if name.isupper()
        and isinstance(value, str)
        and ((("/" in value or "." in value) and len(value) > 4) or name.startswith("KIT_") or name.endswith("_CONST"))
    }
    found = []
    for path in sorted((ROOT / "scaffold").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "scaffold/platform.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            if literal and node.value in values and (relative, node.value) not in SAME_SPELLING_OTHER_MEANING:
                found.append((relative, node.lineno, values[node.value], node.value))
    return found


def test_no_path_or_kit_name_is_spelled_outside_platform_py() -> None:
    """A check's `covers`, a generator's target and a fix text name files through platform.py, so renaming one
    convention there moves every reader and writer with it."""
    assert _literal_copies() == []


def test_the_scan_finds_a_literal_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planted = ROOT / "scaffold" / "_planted_for_test.py"
    planted.write_text('SPEC = "openapi.yaml"\n', encoding="utf-8")
    try:
        assert ("scaffold/_planted_for_test.py", 1, "SERVICE_OPENAPI", "openapi.yaml") in _literal_copies()
    finally:
        planted.unlink()


# --- the service's OpenAPI document: one reader of contracts.openapi ----------------------------------------
def test_service_openapi_reads_the_declared_path_or_the_default() -> None:
    assert platform.service_openapi("billing", {}) == "services/billing/openapi.yaml"
    assert platform.service_openapi("billing", {"contracts": {"openapi": ""}}) == "services/billing/openapi.yaml"
    declared = {"contracts": {"openapi": "./api//openapi.yaml"}}
    assert platform.service_openapi("billing", declared) == "services/billing/api/openapi.yaml"
    for outside in ("../care-plans/openapi.yaml", "/etc/passwd", "api/../../x.yaml", "api\\..\\x.yaml", ".."):
        with pytest.raises(platform.OutsideService):
            platform.service_openapi("billing", {"contracts": {"openapi": outside}})


def _declare_openapi_at(root: Path, where: str) -> None:
    service = root / "services" / "billing"
    manifest = (service / "service.yaml").read_text(encoding="utf-8")
    assert "  openapi: openapi.yaml\n" in manifest
    (service / "service.yaml").write_text(manifest.replace("  openapi: openapi.yaml\n", f"  openapi: {where}\n"))
    if not where.startswith(".."):  # a path out of the folder is only declared
        (service / where).parent.mkdir(parents=True, exist_ok=True)
        (service / "openapi.yaml").rename(service / where)


@pytest.fixture
def moved(tmp_path: Path) -> Path:
    """A platform whose billing service keeps its OpenAPI document at api/openapi.yaml, as service.yaml says."""
    from scaffold.cli import main

    root = tmp_path / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    _declare_openapi_at(root, "api/openapi.yaml")
    return root


def test_a_declared_openapi_path_is_what_verify_fix_and_generators_use(moved: Path) -> None:
    from scaffold.cli import main
    from scaffold.verify.fix import plan_fixes
    from scaffold.verify.repo import RepoView
    from scaffold.verify.subjects import endpoints

    findings = run_checks(moved, Selection(only=("SVC-CODE-03", "SVC-DOC-02", "SVC-AUTH-04", "SVC-TEST-04")))
    assert [f for f in findings if f.status is Status.FAIL] == []
    assert any(f.file == "services/billing/api/openapi.yaml" for f in findings)
    assert main(["new", "endpoint", "item-summary", "--repo", str(moved), "--defaults", "--no-verify", "--no-sdk"]) == 0
    assert "/item-summary" in (moved / "services/billing/api/openapi.yaml").read_text()
    assert not (moved / "services/billing/openapi.yaml").exists()
    assert [e.openapi_file for e in endpoints(RepoView(moved))][:1] == ["services/billing/api/openapi.yaml"]
    (moved / "docs/services/billing.md").unlink()
    changes = plan_fixes(moved)
    assert "docs/services/billing.md" in {c.path for c in changes.changes}


def test_a_declared_openapi_path_out_of_the_service_is_refused_and_reported(
    moved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scaffold.cli import main

    manifest = moved / "services/billing/service.yaml"
    escaping = manifest.read_text().replace("  openapi: api/openapi.yaml\n", "  openapi: ../care-plans/x.yaml\n")
    manifest.write_text(escaping)
    capsys.readouterr()
    argv = ["new", "endpoint", "item-summary", "--repo", str(moved), "--defaults", "--no-verify", "--no-sdk"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "service.yaml:9: contracts/openapi" in err[0], err  # the manifest's schema refuses it
    (finding,) = [f for f in run_checks(moved, Selection(only=("SVC-CODE-02",))) if f.status is Status.FAIL]
    assert finding.file == "services/billing/service.yaml" and "contracts" in finding.message


# --- sst.config.ts: one writer, one reader ------------------------------------------------------------------
def test_what_the_sst_config_writer_registers_svc_dep_02_reads_back(tmp_path: Path) -> None:
    """edits/sst_config.py writes the registration `new service`, `remove service` and `--fix` make; SVC-DEP-02
    finds exactly that, and not after it is removed."""
    import shutil

    from scaffold.edits import sst_config

    root = tmp_path / "platform"
    shutil.copytree(FIXTURES / "SVC-DEP-02" / "pass" / "repo", root)
    config = (root / platform.SST_CONFIG).read_text(encoding="utf-8")
    without = sst_config.unregister_service(config, "billing")
    assert without != config
    (root / platform.SST_CONFIG).write_text(without, encoding="utf-8")
    statuses = {f.status for f in run_checks(root, Selection(only=("SVC-DEP-02",)))}
    assert statuses == {Status.FAIL}
    (root / platform.SST_CONFIG).write_text(sst_config.register_service(without, "billing"), encoding="utf-8")
    statuses = {f.status for f in run_checks(root, Selection(only=("SVC-DEP-02",)))}
    assert statuses == {Status.PASS}


def test_every_kit_name_the_checks_look_for_is_exported_by_the_platform_kit() -> None:
    from scaffold.parsers import typescript as ts

    kit = ROOT / "templates/platform/packages/service-kit/src"
    exported: set[str] = set()
    for module in ("index.ts", "testing.ts"):  # `@platform/service-kit` and `@platform/service-kit/testing`
        parsed = ts.parse_typescript((kit / module).read_text(encoding="utf-8"))
        exported |= {
            node.text.decode()
            for declared in ts.nodes(parsed, "export_specifier", "function_declaration")
            if declared.type == "export_specifier" or (declared.parent and declared.parent.type == "export_statement")
            for node in [declared.child_by_field_name("name")]
            if node is not None and node.text is not None
        }
    assert set(platform.KIT_NAMES) <= exported, set(platform.KIT_NAMES) - exported
