"""`scaffold new job`: the JobDefinition, the admin endpoint (route, app wiring, openapi, test), the M2M client, the
runbook section; dry run, idempotence, and one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.generators.job import normalise_schedule
from scaffold.parsers import typescript as ts
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Kind, Status
from tests.generators.conftest import snapshot
from tests.generators.schema_valid import schema_errors


def new_job(platform: Path, *args: str) -> int:
    return main(["new", "job", *args, "--repo", str(platform), "--defaults", "--no-verify", "--no-sdk"])


def test_a_stale_sdk_without_node_modules_exits_1_unless_no_sdk(
    platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["new", "job", "nightly-cleanup", "--repo", str(platform), "--defaults", "--no-verify"]
    capsys.readouterr()
    assert main(argv) == 1
    assert "sdk/src/schema.ts is stale, so SVC-SDK-01 fails" in capsys.readouterr().err


def read(platform: Path, path: str) -> str:
    return (platform / path).read_text()


def failing(platform: Path) -> list[str]:
    findings = run_checks(platform, Selection(kinds=(Kind.JOB, Kind.SERVICE)))
    # Without node_modules the SDK schema cannot be regenerated here; SVC-SDK-01 says so (the e2e test covers it).
    return [f"{f.check_id}: {f.message}" for f in findings if f.status is Status.FAIL and f.check_id != "SVC-SDK-01"]


def test_defaults_in_a_one_service_platform_make_a_complete_job(platform: Path) -> None:
    assert new_job(platform, "nightly-cleanup") == 0
    registry = read(platform, "services/jobs/src/jobs/registry.ts")
    assert '    name: "nightly-cleanup",\n    schedule: "cron(0 3 * * ? *)",\n' in registry
    target = '{ service: "billing", method: "POST", path: "/admin/jobs/nightly-cleanup", urlSecret: "BillingUrl" }'
    assert f"target: {target}," in registry
    routes = ts.routes(ts.parse_typescript(read(platform, "services/billing/src/routes/jobs.ts")))
    assert [(r.method, r.path) for r in routes] == [("post", "/admin/jobs/nightly-cleanup")]
    assert all(routes[0].uses(m) for m in ("requireScope", "transactional", "idempotency", "audit"))
    app = read(platform, "services/billing/src/app.ts")
    assert "  itemRoutes(app, deps.db);\n  jobRoutes(app, deps.db);\n" in app
    assert 'import { jobRoutes } from "./routes/jobs";' in app
    openapi = read(platform, "services/billing/openapi.yaml")
    assert "  /admin/jobs/nightly-cleanup:\n    post:\n      operationId: runJobNightlyCleanup\n" in openapi
    assert '        - bearer: ["jobs:run"]\n' in openapi and "    JobRun:\n" in openapi
    helpers = read(platform, "services/billing/test/helpers.ts")
    assert 'export const SCOPES = ["billing:read", "billing:write", "jobs:run"];' in helpers
    assert "\n## Job: nightly-cleanup\n\nWhat it does: " in read(platform, "services/jobs/RUNBOOK.md")
    assert "callers:\n  - jobs\n" in read(platform, "services/billing/service.yaml")
    assert "service: jobs\n    calls:\n      - billing\n" in read(platform, "identity/m2m-clients.yaml")
    assert schema_errors(platform, "identity/m2m-clients.yaml") == []
    assert "/admin/jobs/nightly-cleanup" in read(platform, "docs/services/billing.md")
    assert "runJobNightlyCleanup" in read(platform, "docs/sdk/billing.md")
    assert (platform / "services/billing/test/integration/jobs/nightly-cleanup.test.ts").is_file()
    work = read(platform, "services/billing/src/jobs/nightly-cleanup.ts")
    assert "export async function nightlyCleanup(run: JobRun): Promise<JobResult> {" in work
    routes_file = read(platform, "services/billing/src/routes/jobs.ts")
    assert 'return runJobWork(c, "nightly-cleanup", nightlyCleanup);' in routes_file
    assert failing(platform) == []
    # The work is a person's to write: verify lists it for them, at the function.
    job_01 = run_checks(platform, Selection(only=("JOB-01",)))
    assert [(f.status, f.file, f.line) for f in job_01] == [
        (Status.NEEDS_HUMAN, "services/billing/src/jobs/nightly-cleanup.ts", 8)
    ]


def test_a_second_job_appends_its_route_and_reuses_the_client(platform: Path) -> None:
    assert new_job(platform, "nightly-cleanup") == 0
    assert new_job(platform, "weekly-report", "--schedule", "30 4 * * 1", "--description", "Emails the report.",
                   "--alarm-after", "1") == 0
    routes_file = read(platform, "services/billing/src/routes/jobs.ts")
    paths = [r.path for r in ts.routes(ts.parse_typescript(routes_file))]
    assert paths == ["/admin/jobs/nightly-cleanup", "/admin/jobs/weekly-report"]
    assert 'import { nightlyCleanup } from "../jobs/nightly-cleanup";\n' in routes_file
    assert 'import { weeklyReport } from "../jobs/weekly-report";\n' in routes_file
    assert (platform / "services/billing/src/jobs/weekly-report.ts").is_file()
    assert read(platform, "services/billing/src/app.ts").count("jobRoutes(app, deps.db);") == 1
    assert 'schedule: "cron(30 4 ? * 2 *)",' in read(platform, "services/jobs/src/jobs/registry.ts")
    assert read(platform, "identity/m2m-clients.yaml").count("service: jobs") == 1
    assert failing(platform) == []


def test_dry_run_prints_the_diff_and_writes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(platform)
    assert new_job(platform, "nightly-cleanup", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "+++ b/services/billing/src/routes/jobs.ts" in out and '+    name: "nightly-cleanup",' in out
    assert snapshot(platform) == before


def test_second_run_with_same_answers_changes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["nightly-cleanup", "--schedule", "rate(6 hours)", "--description", "Purges stale drafts."]
    assert new_job(platform, *args) == 0
    after_first = snapshot(platform)
    capsys.readouterr()
    assert new_job(platform, *args) == 0
    assert "nothing to change" in capsys.readouterr().err
    assert snapshot(platform) == after_first
    assert new_job(platform, "nightly-cleanup", "--schedule", "rate(7 hours)") == 2
    assert "already exists" in capsys.readouterr().err
    assert snapshot(platform) == after_first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nightly"], "not valid"),
        (["nightly_cleanup"], "not valid"),
        (["../x"], "not valid"),
        (["x", "--target", "nope"], "unknown target service 'nope'"),
        (["x", "--target", "jobs"], "unknown target service 'jobs'"),
        (["x", "--schedule", "every night"], "invalid schedule"),
        (["x", "--schedule", "cron(0 3 * * * *)"], "exactly one of day-of-month and day-of-week"),
        (["x", "--schedule", "0 25 * * *"], "hours 0–23"),
        (["x", "--description", "two\nlines"], "one line"),
        (["x", "--alarm-after", "0"], "--alarm-after"),
    ],
)
def test_bad_answers_are_one_line_errors_and_write_nothing(
    platform: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = snapshot(platform)
    assert new_job(platform, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("scaffold: error:") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(platform) == before


def test_several_services_need_a_target(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "service", "care-plans", "--repo", str(platform), "--defaults", "--no-verify"]) == 0
    capsys.readouterr()
    assert new_job(platform, "nightly-cleanup") == 2
    assert "--target" in capsys.readouterr().err
    assert new_job(platform, "nightly-cleanup", "--target", "care-plans") == 0
    assert 'urlSecret: "CarePlansUrl"' in read(platform, "services/jobs/src/jobs/registry.ts")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("0 3 * * *", "cron(0 3 * * ? *)"), ("0 9 * * 1-5", "cron(0 9 ? * 2-6 *)"), ("0 0 1 * *", "cron(0 0 1 * ? *)"),
     ("rate(15 minutes)", "rate(15 minutes)"), ("cron(0 3 ? * MON *)", "cron(0 3 ? * MON *)")],
)
def test_schedules(given: str, expected: str) -> None:
    assert normalise_schedule(given) == expected
