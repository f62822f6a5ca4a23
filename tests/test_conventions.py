"""One home for the platform's conventions (issue 10, point 5): what a generator writes and what a check reads,
names in fix texts and docs, all come from scaffold/platform.py — these tests fail when one side drifts."""

from __future__ import annotations

from pathlib import Path

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
