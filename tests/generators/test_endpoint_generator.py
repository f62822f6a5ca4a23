"""`scaffold new endpoint`: the only service by default, the route and its registrations, dry run, idempotence,
one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scaffold.cli import main
from tests.generators.conftest import snapshot


def new_endpoint(platform: Path, *args: str) -> int:
    return main(["new", "endpoint", *args, "--repo", str(platform), "--defaults", "--no-verify", "--no-sdk"])


def test_a_stale_sdk_without_node_modules_is_said_and_exits_1_unless_no_sdk(
    platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported bug: `new endpoint` exited 0 and left SVC-SDK-01 failing; nobody was told."""
    argv = ["new", "endpoint", "item-summary", "--repo", str(platform), "--defaults", "--no-verify"]
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "services/billing/sdk/src/schema.ts is stale, so SVC-SDK-01 fails" in err
    assert "pnpm install && pnpm --filter @platform/billing-service sdk:gen" in err and "--no-sdk" in err
    assert "/item-summary" in (platform / "services/billing/openapi.yaml").read_text()  # written all the same
    assert main([*argv[:2], "item-export", *argv[3:], "--no-sdk"]) == 0
    assert "is stale (--no-sdk)" in capsys.readouterr().err


def test_defaults_add_a_read_route_to_the_only_service(platform: Path) -> None:
    assert new_endpoint(platform, "item-summary") == 0
    service = platform / "services/billing"
    operation = yaml.safe_load((service / "openapi.yaml").read_text())["paths"]["/item-summary"]["get"]
    assert operation["operationId"] == "itemSummary"
    assert operation["x-platform-audience"] == "third-party"
    assert operation["x-platform-rate-limit"] == {"requests": 100, "per": "minute"}
    assert operation["security"] == [{"bearer": ["billing:read"]}]
    route = (service / "src/routes/item-summary.ts").read_text()
    assert 'requireScope("billing:read"),\n    rateLimit({ requests: 100, per: "minute" }),' in route
    assert "requireBaa" not in route
    app = (service / "src/app.ts").read_text()
    assert 'import { itemSummaryRoute } from "./routes/item-summary";' in app
    assert "  itemRoutes(app, deps.db);\n  itemSummaryRoute(app, deps.db);\n" in app
    test = (service / "test/integration/item-summary.oauth.test.ts").read_text()
    assert "oauthAuthorizationCode(" in test and "identity.introspect(token)" in test
    assert (platform / "docs/api/billing/itemSummary.md").is_file()
    assert "itemSummary" in (platform / "docs/connect/capabilities.md").read_text()
    assert "/item-summary" in (platform / "docs/services/billing.md").read_text()
    assert "/item-summary" in (platform / "docs/sdk/billing.md").read_text()


def test_a_mutation_emits_a_registered_webhook(platform: Path) -> None:
    assert new_endpoint(platform, "import-item", "--method", "post", "--rate-limit", "10/hour") == 0
    operation = yaml.safe_load((platform / "services/billing/openapi.yaml").read_text())["paths"]["/import-item"][
        "post"
    ]
    assert operation["x-platform-webhooks"] == ["billing.item_created"]
    assert operation["x-platform-rate-limit"] == {"requests": 10, "per": "hour"}
    assert '  "billing.item_created",\n' in (platform / "packages/contracts/src/webhooks.ts").read_text()
    scopes = (platform / "packages/scopes/src/registry.ts").read_text()
    assert '"billing:events": { description: "Receive billing events as webhooks.", returnsPhi: false }' in scopes
    route = (platform / "services/billing/src/routes/import-item.ts").read_text()
    assert 'name: "billing.item_created"' in route and "transactional(db),\n    idempotency(),\n    audit()," in route


def test_a_new_phi_scope_is_documented_and_gated(platform: Path) -> None:
    assert (
        new_endpoint(
            platform,
            "item-records",
            "--scope",
            "billing:records",
            "--returns-phi",
            "--scope-description",
            "Read the medical records attached to items.",
        )
        == 0
    )
    scopes = (platform / "packages/scopes/src/registry.ts").read_text()
    assert (
        '"billing:records": { description: "Read the medical records attached to items.", returnsPhi: true }' in scopes
    )
    assert "requireBaa()," in (platform / "services/billing/src/routes/item-records.ts").read_text()
    assert "- billing:records" in (platform / "services/billing/service.yaml").read_text()
    assert "baa_required" in (platform / "services/billing/test/integration/item-records.oauth.test.ts").read_text()


def test_dry_run_writes_nothing_and_a_second_run_changes_nothing(
    platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(platform)
    assert new_endpoint(platform, "item-summary", "--dry-run") == 0
    assert "+++ b/services/billing/src/routes/item-summary.ts" in capsys.readouterr().out
    assert snapshot(platform) == before
    assert new_endpoint(platform, "item-summary") == 0
    after_first = snapshot(platform)
    capsys.readouterr()
    assert new_endpoint(platform, "item-summary") == 0
    assert "nothing to change" in capsys.readouterr().err
    assert snapshot(platform) == after_first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Item"], "not valid"),
        (["item-summary", "--service", "nope"], "unknown service 'nope'"),
        (["item-summary", "--rate-limit", "lots"], "rate limit 'lots' is not valid"),
        (["item-summary", "--path", "/items/{id}/x"], "path '/items/{id}/x' is not valid"),
        (["item-summary", "--scope", "billing:secret"], "describe it for the consent screen"),
        (["item-summary", "--path", "/items"], "GET /items already exists"),
        (["item-summary", "--method", "delete"], "invalid choice"),
    ],
)
def test_bad_answers_are_one_line_errors_and_write_nothing(
    platform: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = snapshot(platform)
    assert new_endpoint(platform, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("scaffold: error:") and message in err, err
    assert err.count("\n") == 1
    assert snapshot(platform) == before


def test_service_is_required_when_there_are_several(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "service", "care-plans", "--repo", str(platform), "--defaults", "--no-verify"]) == 0
    capsys.readouterr()
    assert new_endpoint(platform, "item-summary") == 2
    assert "--service is required" in capsys.readouterr().err
