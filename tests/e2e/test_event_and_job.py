"""End to end: a one-service platform gets an event and a job with `--defaults` and no other flag (plus one event
with a subscriber and a webhook), then installs, type-checks, passes its own tests, regenerates the SDK schema to
the committed bytes, and `scaffold verify` finds nothing failing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold import pnpm
from scaffold.cli import main
from tests.e2e.verified import failing, verify_findings
from tests.e2e.vitest_runs import run_vitest

pytestmark = pytest.mark.e2e


def _new(root: Path, *args: str) -> None:
    assert main(["new", *args, "--repo", str(root), "--no-verify"]) == 0


NIGHTLY_CLEANUP_WORK = """\
import type { JobResult, JobRun } from "@platform/service-kit";

// Forgets the brand's Idempotency-Keys a day older than the scheduled run: clients retry within minutes, not days.
export async function nightlyCleanup({ tx, brandId, scheduledAt }: JobRun): Promise<JobResult> {
  const { rows } = await tx.query<{ key: string }>(
    `DELETE FROM idempotency_keys
      WHERE brand_id = $1 AND created_at < $2::timestamptz - interval '1 day' RETURNING key`,
    [brandId, scheduledAt.toISOString()],
  );
  return { deleted: rows.length };
}
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e-event-job") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    _new(root, "service", "billing", "--defaults")
    # node_modules first, so `new job` can regenerate the target's SDK schema with openapi-typescript
    pnpm.run(["install"], root)
    _new(root, "event", "invoice.paid", "--defaults", "--user-facing")
    _new(root, "job", "nightly-cleanup", "--defaults")
    # the job's work, as its team writes it into the generated function: the generated tests must hold for it
    (root / "services/billing/src/jobs/nightly-cleanup.ts").write_text(NIGHTLY_CLEANUP_WORK)
    _new(
        root,
        "event",
        "billing.refund_issued",
        "--defaults",
        "--field",
        "amount:integer",
        "--field",
        "note:string?",
        "--subscriber",
        "billing",
        "--user-facing",
    )
    # each event published where its state changes: actions on an item, through the events' publisher helpers
    action = ("--defaults", "--method", "post")
    _new(root, "endpoint", "pay-item", *action, "--path", "/items/{id}/pay", "--emits", "invoice.paid")
    _new(root, "endpoint", "refund-item", *action, "--path", "/items/{id}/refunds", "--emits", "billing.refund_issued")
    return root


def test_typecheck(generated: Path) -> None:
    pnpm.run(["-r", "typecheck"], generated)


@pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])
def test_generated_tests_pass(generated: Path, shuffle: bool) -> None:
    passed: list[str] = []
    for package in ("@platform/contracts", "@platform/jobs-service", "@platform/billing-service"):
        output = run_vitest(generated, ["--filter", package], shuffle=shuffle)
        passed += [line for line in output.splitlines() if "✓" in line]
    for proof in (
        "accepts the payload the billing service publishes",  # EVT-05, both events
        "processes an event once, however often it is delivered",  # SVC-EV-04 through deliver()
        "replays the first response when the scheduler retries the same run",  # JOB-01
        "answers 403 on every route when the token lacks the route's scope",  # conformance covers the admin route
        "gives every job a unique name, a failure alarm and a runbook section",  # JOB-04/05 in the jobs package
        "writes invoice.paid to the outbox inside the caller's transaction",  # the publisher helper's own test
        "leaves no outbox row when the caller's transaction rolls back",
        "publishes billing.refund_issued for webhook subscribers, with the audit row",  # the action, end to end
        "answers 404 for another brand's item, and leaves it as it was",
    ):
        assert any(proof in line for line in passed), (proof, passed)
    assert sum("accepts the payload the billing service publishes" in line for line in passed) == 2


def test_sdk_gen_output_matches_the_committed_schema(generated: Path) -> None:
    schema = generated / "services/billing/sdk/src/schema.ts"
    before = schema.read_text()
    assert '"/admin/jobs/nightly-cleanup"' in before
    pnpm.run(["--filter", "@platform/billing-service", "sdk:gen"], generated)
    assert schema.read_text() == before


def test_event_names_from_pnpm_gen_match_scaffold(generated: Path) -> None:
    names = generated / "packages/contracts/src/events/names.generated.ts"
    before = names.read_text()
    pnpm.run(["--filter", "@platform/contracts", "gen"], generated)
    assert names.read_text() == before


def test_verify_reports_no_failure(generated: Path) -> None:
    _, findings = verify_findings(generated)
    assert failing(findings) == [], json.dumps(failing(findings), indent=1)
    passing = {(f["id"], f["subject"]) for f in findings if f["status"] == "pass"}
    for item in ("EVT-01", "EVT-02", "EVT-03", "EVT-04", "EVT-05", "EVT-06"):
        assert (item, "event:invoice.paid") in passing, item
    assert ("EVT-07", "event:billing.refund_issued") in passing
    for item in ("JOB-01", "JOB-02", "JOB-03", "JOB-04", "JOB-05"):
        assert (item, "job:nightly-cleanup") in passing, item
    for item in ("SVC-EV-02", "SVC-EV-04", "SVC-SDK-01", "SVC-AUTH-01"):
        assert (item, "service:billing") in passing, item
