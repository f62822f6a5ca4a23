"""`scaffold new integration`: defaults in a one-service platform, dry run, idempotence, and one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from scaffold.cli import main
from tests.generators.conftest import snapshot
from tests.generators.schema_valid import schema_errors


def new_integration(platform: Path, *args: str) -> int:
    return main(["new", "integration", *args, "--repo", str(platform), "--defaults", "--no-verify"])


def test_defaults_in_a_one_service_platform(platform: Path) -> None:
    assert new_integration(platform, "acme-crm") == 0
    folder = platform / "integrations/acme-crm"
    manifest = yaml.safe_load((folder / "integration.yaml").read_text())
    assert manifest["scopes"] == ["billing:read"]
    assert manifest["client_id"] == "acme-crm"
    assert set(manifest["redirect_uris"]) == {"dev", "staging", "prod"}
    assert schema_errors(platform, "integrations/acme-crm/integration.yaml") == []
    assert all(uri.startswith("https://") for stage in ("staging", "prod") for uri in manifest["redirect_uris"][stage])
    answers = yaml.safe_load((folder / ".copier-answers.yml").read_text())
    assert answers["kind"] == "integration" and answers["_commit"].startswith("v")
    assert answers["platform_error_codes"] == {
        "invalid_request": 400,
        "idempotency_key_required": 400,
        "unauthorized": 401,
        "insufficient_scope": 403,
        "baa_required": 403,
        "not_found": 404,
        "conflict": 409,
        "payload_too_large": 413,
        "idempotency_key_reused": 422,
        "rate_limited": 429,
        "internal": 500,
        "unavailable": 503,
    }
    errors = (folder / "src/errors.ts").read_text()
    assert "satisfies Record<PlatformErrorCode, Reaction>" in errors and '  rate_limited: { action: "retry"' in errors
    assert 'export type CodeChallengeMethod = "S256";' in (folder / "src/pkce.ts").read_text()


def test_options_reach_the_manifest_and_the_code(platform: Path) -> None:
    assert (
        new_integration(
            platform,
            "acme",
            "--partner",
            "Acme Health",
            "--client-id",
            "cl_123",
            "--scope",
            "billing:write",
            "--redirect-uri",
            "prod=https://acme.test/cb",
            "--redirect-uri",
            "prod=https://www.acme.test/cb",
        )
        == 0
    )
    folder = platform / "integrations/acme"
    manifest = yaml.safe_load((folder / "integration.yaml").read_text())
    assert manifest["scopes"] == ["billing:write"] and manifest["partner"] == "Acme Health"
    assert manifest["redirect_uris"]["prod"] == ["https://acme.test/cb", "https://www.acme.test/cb"]
    config = (folder / "src/config.ts").read_text()
    assert 'export const CLIENT_ID = "cl_123";' in config
    assert 'prod: ["https://acme.test/cb", "https://www.acme.test/cb"],' in config


def test_a_new_platform_error_code_is_handled_by_its_status(platform: Path) -> None:
    errors = platform / "packages/contracts/src/errors.ts"
    errors.write_text(
        errors.read_text().replace(
            "  internal:",
            '  quota_exceeded: { status: 429, description: "The monthly quota is used up." },\n  internal:',
        )
    )
    assert new_integration(platform, "acme") == 0
    assert '  quota_exceeded: { action: "retry"' in (platform / "integrations/acme/src/errors.ts").read_text()


def test_dry_run_prints_the_diff_and_writes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(platform)
    assert new_integration(platform, "acme", "--dry-run") == 0
    assert "+++ b/integrations/acme/integration.yaml" in capsys.readouterr().out
    assert snapshot(platform) == before


def test_second_run_with_same_answers_changes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new_integration(platform, "acme", "--partner", "Acme") == 0
    after_first = snapshot(platform)
    capsys.readouterr()
    assert new_integration(platform, "acme", "--partner", "Acme") == 0
    assert "nothing to change" in capsys.readouterr().err
    assert snapshot(platform) == after_first
    assert new_integration(platform, "acme", "--partner", "Someone else") == 2
    assert "already exists" in capsys.readouterr().err
    assert snapshot(platform) == after_first


def test_an_older_platform_without_the_button_kit_gets_it(platform: Path) -> None:
    shutil.rmtree(platform / "packages/button-kit")
    assert new_integration(platform, "acme") == 0
    assert (platform / "packages/button-kit/src/index.ts").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Acme"], "not valid"),
        (["../acme"], "not valid"),
        (["acme", "--scope", "billing:delete"], "is not in SCOPES"),
        (
            ["acme", "--redirect-uri", "prod=http://acme.test/cb"],
            "prod redirect URI 'http://acme.test/cb' is not https",
        ),
        (["acme", "--redirect-uri", "staging=https://*.acme.test/cb"], "contains a wildcard"),
        (["acme", "--redirect-uri", "dev=http://acme.test/cb"], "only allowed for localhost"),
        (["acme", "--redirect-uri", "qa=https://acme.test/cb"], "STAGE=URL"),
        (["acme", "--webhook-event", "billing.item_created"], "not in WEBHOOK_EVENT_FILTERS"),
        (["acme", "--partner", " "], "partner must be"),
    ],
)
def test_bad_answers_are_one_line_errors_and_write_nothing(
    platform: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = snapshot(platform)
    assert new_integration(platform, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("scaffold: error:") and message in err, err
    assert err.count("\n") == 1
    assert snapshot(platform) == before


def test_webhook_events_need_their_events_scope(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    webhooks = platform / "packages/contracts/src/webhooks.ts"
    webhooks.write_text(webhooks.read_text().replace("FILTERS = [\n", 'FILTERS = [\n  "billing.item_created",\n'))
    assert new_integration(platform, "acme", "--webhook-event", "billing.item_created") == 2
    assert "needs the scope 'billing:events'" in capsys.readouterr().err
    scopes = platform / "packages/scopes/src/registry.ts"
    scopes.write_text(
        scopes.read_text().replace(
            "export const SCOPES = {\n",
            'export const SCOPES = {\n  "billing:events": { description: "Billing events.", returnsPhi: false },\n',
        )
    )
    assert new_integration(platform, "acme") == 0  # the defaults pick the events scope and its events up
    manifest = yaml.safe_load((platform / "integrations/acme/integration.yaml").read_text())
    assert manifest["scopes"] == ["billing:events", "billing:read"]
    assert manifest["webhook_events"] == ["billing.item_created"]
    assert (
        'it("hands a verified billing.item_created delivery'
        in (platform / "integrations/acme/test/webhooks.test.ts").read_text()
    )
