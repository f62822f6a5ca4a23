"""End to end: `scaffold init` + `scaffold new service`, then the generated TypeScript installs, type-checks and
passes its own tests (vitest on PGlite), and `scaffold verify` finds nothing failing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold import pnpm
from scaffold.cli import main
from tests.e2e.verified import failing, verify_findings
from tests.e2e.vitest_runs import run_vitest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    assert (
        main(
            [
                "new",
                "service",
                "care-plans",
                "--resource",
                "care_plan",
                "--returns-phi",
                "--repo",
                str(root),
                "--defaults",
                "--no-verify",
            ]
        )
        == 0
    )
    pnpm.run(["install"], root)
    return root


def test_typecheck(generated: Path) -> None:
    pnpm.run(["-r", "typecheck"], generated)


# every workspace package but the SDKs (no tests), one at a time: each test file starts a PGlite
ALL_SUITES = ["-r", "--workspace-concurrency=1", "--filter", "!@platform/sdk-*"]


@pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])
def test_generated_tests_pass(generated: Path, shuffle: bool) -> None:
    output = run_vitest(generated, ALL_SUITES, shuffle=shuffle)
    passed = [line for line in output.splitlines() if "✓" in line]
    # the proofs the foundation issue asks for, by test name, in both services
    assert sum("its audit row and its outbox row in the same transaction" in line for line in passed) == 2, passed
    assert sum("answers 403 on every route when the token lacks the route's scope" in line for line in passed) == 2
    assert sum("without a signed BAA with 403" in line for line in passed) >= 1  # care-plans returns PHI


def test_event_names_from_pnpm_gen_match_scaffold(generated: Path) -> None:
    names = generated / "packages/contracts/src/events/names.generated.ts"
    before = names.read_text()
    pnpm.run(["--filter", "@platform/contracts", "gen"], generated)
    assert names.read_text() == before


def test_sdk_gen_output_matches_the_committed_schema(generated: Path) -> None:
    schema = generated / "services/billing/sdk/src/schema.ts"
    before = schema.read_text()
    pnpm.run(["--filter", "@platform/billing-service", "sdk:gen"], generated)
    assert schema.read_text() == before


def test_verify_reports_no_failure(generated: Path) -> None:
    status, findings = verify_findings(generated)
    assert failing(findings) == [], json.dumps(failing(findings), indent=1)
    assert status == 0
