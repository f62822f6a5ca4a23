"""`scaffold new event`: registry and family-file edits, subscribers and webhooks, payload flags and JSON Schema,
dry run, idempotence, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.generators.event_payload import PayloadField, fields_from_schema_file, parse_field_flag, zod_object_body
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Kind, Status
from tests.generators.conftest import snapshot


def new_event(platform: Path, *args: str) -> int:
    return main(["new", "event", *args, "--repo", str(platform), "--defaults", "--no-verify"])


def read(platform: Path, path: str) -> str:
    return (platform / path).read_text()


def failing(platform: Path, *kinds: Kind) -> list[str]:
    findings = run_checks(platform, Selection(kinds=kinds))
    return [f"{f.check_id} {f.subject}: {f.message}" for f in findings if f.status is Status.FAIL]


def test_defaults_in_a_one_service_platform_make_a_complete_event(platform: Path) -> None:
    assert new_event(platform, "invoice.paid") == 0
    family = read(platform, "packages/contracts/src/events/invoice.ts")
    assert "export const paid = z.object({\n  id: z.uuid(),\n  occurred_at: z.iso.datetime(),\n});" in family
    registry = read(platform, "packages/contracts/src/events/registry.ts")
    assert 'import * as invoice from "./invoice";' in registry and '"invoice.paid": invoice.paid,' in registry
    assert '"invoice.paid",' in read(platform, "packages/contracts/src/events/names.generated.ts")
    assert "    - invoice.paid\n" in read(platform, "services/billing/service.yaml")
    test = read(platform, "packages/contracts/test/events/invoice.paid.test.ts")
    assert 'EVENT_SCHEMAS["invoice.paid"].parse(payload)' in test
    assert (platform / "docs/events/invoice.paid.md").is_file()
    assert "`invoice.paid`" in read(platform, "docs/services/billing.md")
    assert (platform / ".changeset/add-invoice-paid-event.md").is_file()
    publishers = read(platform, "services/billing/src/publishers.ts")
    assert 'export function publishInvoicePaid(tx: Db, brandId: string, payload: Payload<"invoice.paid">)' in publishers
    assert 'return enqueue(tx, { name: "invoice.paid", brandId, payload });' in publishers
    helper_test = read(platform, "services/billing/test/unit/publish-invoice.paid.test.ts")
    assert "db.transaction((tx) => publishInvoicePaid(tx, BRAND_A, payload))" in helper_test
    # declared, with a helper nobody calls yet: verify says so (SVC-EV-03), and nothing else fails
    assert failing(platform, Kind.EVENT, Kind.SERVICE) == [
        "SVC-EV-03 service:billing: service.yaml publishes invoice.paid, but no code path in src/ enqueues it "
        "(publishInvoicePaid at services/billing/src/publishers.ts:13 is never called)"
    ]


def test_the_manifest_comment_stays_below_the_list(platform: Path) -> None:
    assert new_event(platform, "invoice.paid") == 0
    manifest = read(platform, "services/billing/service.yaml")
    assert "    - billing.item_created\n    - invoice.paid\n  # The service consumes its own event" in manifest


def test_subscriber_user_facing_and_existing_family(platform: Path) -> None:
    args = ["billing.refund_issued", "--field", "amount:integer", "--field", "note:string?", "--subscriber", "billing"]
    assert new_event(platform, *args, "--user-facing") == 0
    family = read(platform, "packages/contracts/src/events/billing.ts")
    assert family.count('import { z } from "zod";') == 1
    assert "export const itemCreated" in family and "export const refundIssued = z.object({" in family
    assert "  note: z.string().optional(),\n" in family
    registry = read(platform, "packages/contracts/src/events/registry.ts")
    assert registry.count('from "./billing"') == 1 and '"billing.refund_issued": billing.refundIssued,' in registry
    handler = read(platform, "services/billing/src/events/billing.refund_issued.ts")
    assert 'handlerScope: "billing.on_billing_refund_issued"' in handler and "eventId: event.id" in handler
    subscriptions = read(platform, "services/billing/src/subscriptions.ts")
    assert 'import { onBillingRefundIssued } from "./events/billing.refund_issued";' in subscriptions
    assert '"billing.refund_issued": onBillingRefundIssued,' in subscriptions
    subscribed = read(platform, "services/billing/service.yaml").split("events_subscribed")[1]
    assert "    - billing.refund_issued\n" in subscribed
    assert (platform / "services/billing/test/events/billing.refund_issued.test.ts").is_file()
    assert '  "billing.refund_issued",\n' in read(platform, "packages/contracts/src/webhooks.ts")
    assert '"billing:events": { description: "Receive billing events as webhooks.", returnsPhi: false },' in read(
        platform, "packages/scopes/src/registry.ts"
    )
    assert [f.split(":")[0] for f in failing(platform, Kind.EVENT, Kind.SERVICE)] == ["SVC-EV-03 service"]


def test_dry_run_prints_the_diff_and_writes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(platform)
    assert new_event(platform, "invoice.paid", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "+++ b/packages/contracts/src/events/invoice.ts" in out and '+  "invoice.paid": invoice.paid,' in out
    assert snapshot(platform) == before


def test_second_run_with_same_answers_changes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["invoice.paid", "--field", "amount:number", "--subscriber", "billing", "--user-facing"]
    assert new_event(platform, *args) == 0
    after_first = snapshot(platform)
    capsys.readouterr()
    assert new_event(platform, *args) == 0
    assert "nothing to change" in capsys.readouterr().err
    assert snapshot(platform) == after_first


def test_json_schema_file_becomes_zod(platform: Path, tmp_path: Path) -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["id", "lines"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "status": {"enum": ["open", "paid"]},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["sku"],
                    "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
                },
            },
        },
    }
    path = tmp_path / "payload.schema.json"
    path.write_text(json.dumps(schema))
    assert new_event(platform, "invoice.issued", "--schema-file", str(path)) == 0
    family = read(platform, "packages/contracts/src/events/invoice.ts")
    assert '  status: z.enum(["open", "paid"]).optional(),\n' in family
    assert "  lines: z.array(z.object({\n    sku: z.string(),\n    qty: z.int().optional(),\n  })),\n" in family
    test = read(platform, "packages/contracts/test/events/invoice.issued.test.ts")
    assert "accepts the payload without its optional fields" in test and "rejects a payload without `id`" in test


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "object", "properties": {"a": {"$ref": "#/x"}}}, "unsupported JSON Schema construct `$ref`"),
        ({"type": "object", "properties": {"a": {"oneOf": []}}}, "unsupported JSON Schema construct `oneOf`"),
        ({"type": "object", "properties": {"a": {"type": "string", "format": "email"}}}, "`format: email`"),
        ({"type": "object", "properties": {"a": {"type": ["string", "null"]}}}, "`type: [...]`"),
        ({"type": "object", "properties": {"a": {"type": "string", "minLength": 1}}}, "`minLength`"),
        ({"type": "array"}, "the root must be"),
    ],
)
def test_unsupported_json_schema_is_one_line(
    platform: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], schema: dict[str, object], message: str
) -> None:
    path = tmp_path / "payload.schema.json"
    path.write_text(json.dumps(schema))
    before = snapshot(platform)
    assert new_event(platform, "invoice.paid", "--schema-file", str(path)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert snapshot(platform) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Invoice.Paid"], "not valid"),
        (["invoice"], "not valid"),
        (["invoice.paid.twice"], "not valid"),
        (["../x.y"], "not valid"),
        (["platform.restarted"], "reserved"),
        (["billing.item_created"], "already exists"),
        (["invoice.paid", "--publisher", "nope"], "unknown publisher service 'nope'"),
        (["invoice.paid", "--subscriber", "nope"], "unknown subscriber service 'nope'"),
        (["invoice.paid", "--field", "amount"], "expected NAME:TYPE"),
        (["invoice.paid", "--field", "amount:money"], "unknown type 'money'"),
        (["invoice.paid", "--field", "Amount:number"], "field name 'Amount' is not valid"),
        (["invoice.paid", "--field", "a:number", "--field", "a:string"], "given twice"),
    ],
)
def test_bad_answers_are_one_line_errors_and_write_nothing(
    platform: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = snapshot(platform)
    assert new_event(platform, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("scaffold: error:") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(platform) == before


def test_an_existing_event_with_other_answers_is_refused(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new_event(platform, "invoice.paid") == 0
    before = snapshot(platform)
    capsys.readouterr()
    assert new_event(platform, "invoice.paid", "--field", "amount:number") == 2
    assert "already exists in EVENT_SCHEMAS" in capsys.readouterr().err
    assert snapshot(platform) == before


def test_a_family_named_after_another_service_needs_that_publisher(
    platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "service", "care-plans", "--repo", str(platform), "--defaults", "--no-verify"]) == 0
    capsys.readouterr()
    assert new_event(platform, "invoice.paid") == 2  # two services: no default publisher
    assert "--publisher" in capsys.readouterr().err
    assert new_event(platform, "care-plans.archived", "--publisher", "billing") == 2
    assert "published by the care-plans service" in capsys.readouterr().err
    assert new_event(platform, "care-plans.archived") == 0
    assert '"care-plans.archived": carePlans.archived,' in read(platform, "packages/contracts/src/events/registry.ts")


def test_field_flags() -> None:
    assert parse_field_flag("note:string?") == PayloadField("note", "string", optional=True)
    assert parse_field_flag("tags:uuid[]") == PayloadField("tags", "array", items=PayloadField("item", "uuid"))
    assert parse_field_flag("status:enum(open|paid)").values == ("open", "paid")
    fields = (parse_field_flag("at:date-time"), parse_field_flag("n:integer?"), parse_field_flag("ok:boolean"))
    assert zod_object_body(fields) == "{\n  at: z.iso.datetime(),\n  n: z.int().optional(),\n  ok: z.boolean(),\n}"


def test_unreadable_schema_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(Exception, match="not valid JSON"):
        fields_from_schema_file(path)
