"""End to end: in a platform with one service, `scaffold new integration` and `scaffold new endpoint` with
`--defaults` and nothing else; the generated TypeScript installs, type-checks and passes its own tests, and
`scaffold verify` finds nothing failing once the SDK is regenerated."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold import pnpm
from scaffold.cli import main
from tests.e2e.verified import failing, verify_findings
from tests.e2e.vitest_runs import run_vitest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e-integration") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "integration", "acme-crm", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "endpoint", "item-summary", "--repo", str(root), "--defaults", "--no-verify", "--no-sdk"]) == 0
    for name, method in (("rename-item", "patch"), ("delete-item", "delete")):
        flags = [
            "--method",
            method,
            "--path",
            "/items/{id}",
            "--emits",
            "none",
            "--defaults",
            "--no-verify",
            "--no-sdk",
        ]
        assert main(["new", "endpoint", name, *flags, "--repo", str(root)]) == 0
    # a nested collection: its GET makes the table and class; its POST adds to it and publishes a user-facing event
    event = ["new", "event", "billing.item_line_added", "--user-facing", "--defaults", "--no-verify"]
    assert main([*event, "--repo", str(root)]) == 0
    nested = ["--path", "/items/{id}/lines", "--defaults", "--no-verify", "--no-sdk", "--repo", str(root)]
    assert main(["new", "endpoint", "list-item-lines", *nested]) == 0
    adds = ["--method", "post", "--emits", "billing.item_line_added"]
    assert main(["new", "endpoint", "add-item-line", *adds, *nested]) == 0
    pnpm.run(["install"], root)
    return root


def test_typecheck(generated: Path) -> None:
    for package in (
        "@platform/acme-crm-integration",
        "@platform/button-kit",
        "@platform/service-kit",
        "@platform/billing-service",
    ):
        pnpm.run(["--filter", package, "typecheck"], generated)


SHUFFLE = pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])


@SHUFFLE
def test_integration_and_button_kit_tests_pass(generated: Path, shuffle: bool) -> None:
    for package in ("@platform/acme-crm-integration", "@platform/button-kit"):
        run_vitest(generated, ["--filter", package], shuffle=shuffle)


@SHUFFLE
def test_the_service_suite_with_its_endpoints_and_service_kit_additions_pass(generated: Path, shuffle: bool) -> None:
    output = run_vitest(generated, ["--filter", "@platform/billing-service"], shuffle=shuffle)
    assert "accepts a token from the OAuth flow whose introspection carries billing:read" in output
    for name in ("rename-item", "delete-item", "list-item-lines", "add-item-line"):
        assert f"test/integration/{name}.oauth.test.ts" in output, name
    assert output.count("answers 404 for another brand's item, and leaves it as it was") == 4, output
    assert "publishes billing.item_line_added for webhook subscribers, with the audit row" in output
    assert "goes with its item when that is deleted" in output  # the nested collection's own unit test
    assert "never shows brand A a row of brand B" in output  # conformance over every route, the nested ones too
    run_vitest(generated, ["--filter", "@platform/service-kit"], "test/oauth-rate-limit.test.ts", shuffle=shuffle)


def test_verify_reports_no_failure_after_sdk_gen(generated: Path) -> None:
    # openapi.yaml gained an operation while node_modules did not exist yet: only the SDK is stale, and said so
    assert {f["id"] for f in failing(verify_findings(generated)[1])} == {"SVC-SDK-01"}
    pnpm.run(["--filter", "@platform/billing-service", "sdk:gen"], generated)
    assert failing(verify_findings(generated)[1]) == []
