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


def operation_of(platform: Path, path: str, method: str) -> dict[str, object]:
    return yaml.safe_load((platform / "services/billing/openapi.yaml").read_text())["paths"][path][method]


def test_the_method_not_the_name_is_the_verb(platform: Path) -> None:
    assert new_endpoint(platform, "list-summaries") == 0
    assert operation_of(platform, "/summaries", "get")["operationId"] == "listSummaries"


def test_an_item_route_has_a_typed_path_parameter_and_a_404_for_another_brand(platform: Path) -> None:
    args = ["rename-item", "--method", "patch", "--path", "/items/{id}", "--emits", "none"]
    assert new_endpoint(platform, *args) == 0
    operation = operation_of(platform, "/items/{id}", "patch")
    parameter = operation["parameters"][0]  # type: ignore[index]
    assert parameter["in"] == "path" and parameter["name"] == "id" and parameter["required"] is True
    assert parameter["schema"] == {"type": "string", "format": "uuid"}
    # a body is read, so a body over the kit's limit is documented as the 413 the service answers
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "413", "429"}  # type: ignore[arg-type]
    # no webhook was asked for: said so in the document, nothing enqueued, no filter added
    assert operation["x-platform-state-change"] is False and "x-platform-webhooks" not in operation
    route = (platform / "services/billing/src/routes/rename-item.ts").read_text()
    assert 'app.patch(\n    "/items/:id",' in route
    # the validators are rendered from openapi.yaml (src/api.generated.ts), not written in the route
    assert 'zValidator("param", requests.renameItem.param, badRequest)' in route
    assert 'zValidator("json", requests.renameItem.json, badRequest)' in route and "z." not in route
    validators = (platform / "services/billing/src/api.generated.ts").read_text()
    expected = "  renameItem: {\n    param: z.object({\n      id: z.uuid(),\n    }),\n    json: CreateItem,\n  },"
    assert expected in validators
    assert 'await service.update(brandId, c.req.valid("param").id, c.req.valid("json"));' in route
    assert 'return problem(c, 404, "not_found", "No such item in this brand.");' in route
    assert "enqueue" not in route
    assert "billing.item_created" not in (platform / "packages/contracts/src/webhooks.ts").read_text()
    test = (platform / "services/billing/test/integration/rename-item.oauth.test.ts").read_text()
    assert "answers 404 for another brand's item, and leaves it as it was" in test
    assert "answers 400 invalid_request to an id that is not a uuid" in test


def test_a_nested_get_makes_the_collection_and_a_post_then_adds_to_it(platform: Path) -> None:
    service = platform / "services/billing"
    before = {p.name for p in (service / "migrations").iterdir()}
    assert new_endpoint(platform, "list-item-lines", "--path", "/items/{id}/lines") == 0
    # the collection: a table of its own (the next migration), a service class with its unit test, truncated in tests
    assert {p.name for p in (service / "migrations").iterdir()} - before == {"0009_create_item_lines.sql"}
    migration = (service / "migrations/0009_create_item_lines.sql").read_text()
    assert "item_id uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE," in migration
    assert "ON item_lines (brand_id, item_id, seq);" in migration
    assert "export class ItemLineService {" in (service / "src/services/item_line-service.ts").read_text()
    assert (service / "test/unit/item_line-service.test.ts").is_file()
    assert '"TRUNCATE items, item_lines, item_counts,' in (service / "test/helpers.ts").read_text()
    operation = operation_of(platform, "/items/{id}/lines", "get")
    assert [(p["name"], p["in"]) for p in operation["parameters"]] == [("id", "path"), ("limit", "query")]  # type: ignore[index]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "429"}  # type: ignore[arg-type]
    schemas = yaml.safe_load((service / "openapi.yaml").read_text())["components"]["schemas"]
    assert schemas["ItemLine"]["required"] == ["id", "item_id", "name", "created_at"]
    route = (service / "src/routes/list-item-lines.ts").read_text()
    assert 'app.get(\n    "/items/:id/lines",' in route
    assert "if (!(await new ItemService(db).get(brandId, id))) {" in route
    assert 'c.json({ data: await new ItemLineService(db).list(brandId, id, c.req.valid("query").limit) })' in route
    test = (service / "test/integration/list-item-lines.oauth.test.ts").read_text()
    assert "expect(await listed.json()).toEqual({ data: [second, first] });" in test
    assert "answers 404 for another brand's item, and leaves it as it was" in test

    # now the collection exists, a POST to it adds a line (not an action), and makes nothing of the collection again
    helpers = (service / "test/helpers.ts").read_text()
    args = ["add-item-line", "--method", "post", "--path", "/items/{id}/lines", "--emits", "none"]
    assert new_endpoint(platform, *args) == 0
    assert (service / "test/helpers.ts").read_text() == helpers
    assert {p.name for p in (service / "migrations").iterdir()} - before == {"0009_create_item_lines.sql"}
    route = (service / "src/routes/add-item-line.ts").read_text()
    assert 'await new ItemLineService(c.var.tx).create(brandId, c.req.valid("param").id, c.req.valid("json"));' in route
    assert 'c.set("audit_event_type", "billing.item_line.created");' in route
    assert "return c.json(itemLine, 201);" in route
    operation = operation_of(platform, "/items/{id}/lines", "post")
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {  # type: ignore[index]
        "$ref": "#/components/schemas/ItemLine"
    }
    # without the collection, a POST below an item stays an action
    assert new_endpoint(platform, "archive-item", "--method", "post", "--path", "/items/{id}/archives", "--emits",
                        "none") == 0
    archive = (service / "src/routes/archive-item.ts").read_text()
    assert 'await service.get(brandId, c.req.valid("param").id);' in archive


def test_delete_answers_204(platform: Path) -> None:
    assert new_endpoint(platform, "delete-item", "--method", "delete", "--path", "/items/{id}", "--emits", "none") == 0
    assert set(operation_of(platform, "/items/{id}", "delete")["responses"]) == {  # type: ignore[arg-type]
        "204",
        "400",
        "401",
        "403",
        "404",
        "429",
    }
    assert "return c.body(null, 204);" in (platform / "services/billing/src/routes/delete-item.ts").read_text()


def new_event(platform: Path, *args: str) -> None:
    assert main(["new", "event", *args, "--repo", str(platform), "--defaults", "--no-verify"]) == 0


def test_an_action_emits_an_event_through_its_publisher_helper_its_body_typed_by_the_event(platform: Path) -> None:
    new_event(
        platform,
        "invoice.paid",
        "--field",
        "id:uuid",
        "--field",
        "amount:number",
        "--field",
        "note:string?",
        "--user-facing",
    )
    args = ["pay-item", "--method", "post", "--path", "/items/{id}/pay", "--emits", "invoice.paid"]
    assert new_endpoint(platform, *args) == 0
    operation = operation_of(platform, "/items/{id}/pay", "post")
    assert operation["x-platform-webhooks"] == ["invoice.paid"]
    body = operation["requestBody"]["content"]["application/json"]  # type: ignore[index]
    assert body["schema"] == {
        "type": "object",
        "additionalProperties": False,
        "properties": {"amount": {"type": "number"}, "note": {"type": "string"}},
        "required": ["amount"],
    }
    route = (platform / "services/billing/src/routes/pay-item.ts").read_text()
    # the body's schema was written from the event's fields into openapi.yaml, and the route validates with what
    # is rendered from there; the publisher's parameter type holds the two together at compile time
    assert 'zValidator("json", requests.payItem.json, badRequest)' in route and "EVENT_SCHEMAS[" not in route
    validators = (platform / "services/billing/src/api.generated.ts").read_text()
    expected = "    json: z.strictObject({\n      amount: z.number(),\n      note: z.string().optional(),\n    }),"
    assert expected in validators
    assert 'import { publishInvoicePaid } from "../publishers";' in route
    assert 'await publishInvoicePaid(c.var.tx, brandId, { id: item.id, ...c.req.valid("json") });' in route
    # the event was user-facing already (its own generator made it so): the endpoint adds nothing there
    assert (platform / "packages/contracts/src/webhooks.ts").read_text().count('"invoice.paid"') == 1


def test_emits_refuses_what_the_route_cannot_send(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new_event(platform, "invoice.paid", "--field", "amount:number")  # not user-facing
    new_event(platform, "invoice.voided", "--field", "reason:string", "--user-facing")
    capsys.readouterr()
    before = snapshot(platform)
    args = ["pay-item", "--method", "post", "--path", "/items/{id}/pay", "--emits", "invoice.paid"]
    assert new_endpoint(platform, *args) == 2
    assert "it is not user-facing (not in WEBHOOK_EVENT_FILTERS)" in capsys.readouterr().err
    args = ["void-item", "--method", "delete", "--path", "/items/{id}", "--emits", "invoice.voided"]
    assert new_endpoint(platform, *args) == 2
    assert "its payload needs reason, which a delete route cannot fill from the item" in capsys.readouterr().err
    assert snapshot(platform) == before


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
        (["item-summary", "--path", "/Items"], "path '/Items' is not valid"),
        (["item-summary", "--path", "/items/{id}/x"], "GET /items/{id}/x: below an item, GET reads one nested"),
        (["item-summary", "--path", "/items/{id}/lines/x"], "named by a plural, e.g. /items/{id}/lines"),
        (["item-summary", "--path", "/orders/{id}/lines"], "so a nested collection is /items/{id}/lines"),
        (["x", "--method", "patch", "--path", "/items/{id}/lines"], "is an action (POST /items/{id}/lines) or a"),
        (["item-summary", "--path", "/items/{id}/x/{y}"], "has 2 parameters"),
        (["item-summary", "--path", "/{id}"], "starts with a parameter"),
        (["item-summary", "--scope", "billing:secret"], "describe it for the consent screen"),
        (["item-summary", "--path", "/items"], "GET /items already exists"),
        (["item-summary", "--path", "/items/{id}"], "GET /items/{id} already exists"),
        (["item-summary", "--method", "put"], "invalid choice"),
        (["rename", "--method", "patch", "--path", "/items"], "PATCH /items changes one thing"),
        (["pay", "--method", "post", "--path", "/items/{id}"], "POST creates in a collection"),
        (["rename", "--method", "patch", "--path", "/items/{id}"], "changes state: name the webhook"),
        (["rename", "--method", "patch", "--path", "/items/{id}", "--emits", "billing.gone"], "does not publish it"),
        (["item-summary", "--emits", "none"], "changes nothing: --emits is for a change"),
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
