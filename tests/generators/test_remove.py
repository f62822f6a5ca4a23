"""`scaffold remove`: the exact inverse of each generator (round trip to a byte-identical tree, apart from the
changeset), refusals while something still depends on the thing, and the dry run."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status
from tests.generators.conftest import snapshot


def run(platform: Path, *args: str) -> int:
    # no node_modules here: jobs and endpoints leave the SDK to regenerate (`--no-sdk` says that is known)
    no_sdk = ["--no-sdk"] if args[:1] == ("new",) and args[1:2] in (("job",), ("endpoint",)) else []
    return main([*args, *no_sdk, "--repo", str(platform), "--no-verify"])


def failing(platform: Path) -> list[str]:
    return [
        f"{f.check_id} {f.subject}: {f.message}" for f in run_checks(platform, Selection()) if f.status is Status.FAIL
    ]


def round_trip(platform: Path, kind: str, name: str, *new_flags: str) -> dict[str, bytes]:
    """Generate, remove, and return what differs from the tree before (path → bytes after)."""
    before = snapshot(platform)
    assert run(platform, "new", kind, name, "--defaults", *new_flags) == 0
    assert snapshot(platform) != before
    assert run(platform, "remove", kind, name) == 0
    after = snapshot(platform)
    assert set(before) - set(after) == set(), "removed a file the generator did not add"
    return {path: data for path, data in after.items() if before.get(path) != data}


@pytest.mark.parametrize(
    ("name", "flags"),
    [
        ("invoice.paid", ()),  # a new family: the family file and its registry import go too
        ("billing.refund_issued", ("--field", "amount:integer", "--field", "note:string?", "--user-facing")),
        ("invoice.voided", ("--user-facing",)),
    ],
)
def test_an_event_round_trips_to_the_same_tree_but_the_changeset(
    platform: Path, name: str, flags: tuple[str, ...]
) -> None:
    failing_before = failing(platform)
    changed = round_trip(platform, "event", name, *flags)
    slug = name.replace(".", "-").replace("_", "-")
    assert list(changed) == [f".changeset/remove-{slug}-event.md"]
    assert f"Remove the `{name}` event" in changed[f".changeset/remove-{slug}-event.md"].decode()
    assert failing(platform) == failing_before == []


def test_removing_one_event_of_a_family_keeps_the_others(platform: Path) -> None:
    assert run(platform, "new", "event", "invoice.paid", "--defaults", "--user-facing") == 0
    before = snapshot(platform)
    changed = round_trip(platform, "event", "invoice.voided", "--user-facing")
    assert list(changed) == [".changeset/remove-invoice-voided-event.md"]
    assert (platform / "packages/contracts/src/events/invoice.ts").read_bytes() == before[
        "packages/contracts/src/events/invoice.ts"
    ]


def test_an_event_with_a_subscriber_is_refused_in_one_line(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(platform, "new", "event", "invoice.paid", "--defaults", "--subscriber", "billing") == 0
    before = snapshot(platform)
    capsys.readouterr()
    assert run(platform, "remove", "event", "invoice.paid") == 2
    error = capsys.readouterr().err.strip()
    assert "subscribed to by billing" in error and "\n" not in error
    assert snapshot(platform) == before


def test_an_event_named_in_service_code_is_refused(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(platform, "new", "event", "invoice.paid", "--defaults") == 0
    code = platform / "services/billing/src/publish.ts"
    code.write_text('export const name = "invoice.paid";\n')
    capsys.readouterr()
    assert run(platform, "remove", "event", "invoice.paid") == 2
    assert "services/billing/src/publish.ts:1" in capsys.readouterr().err


def test_dry_run_shows_the_deletions_and_writes_nothing(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(platform, "new", "event", "invoice.paid", "--defaults") == 0
    before = snapshot(platform)
    capsys.readouterr()
    assert run(platform, "remove", "event", "invoice.paid", "--dry-run") == 0
    diff = capsys.readouterr().out
    assert "--- a/packages/contracts/src/events/invoice.ts\n+++ /dev/null\n" in diff
    assert '-  "invoice.paid": invoice.paid,\n' in diff
    assert snapshot(platform) == before


def test_an_unknown_event_is_one_line(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(platform, "remove", "event", "invoice.never") == 2
    assert "no event 'invoice.never' in EVENT_SCHEMAS" in capsys.readouterr().err


def test_a_job_round_trips_to_the_same_tree_but_the_changeset(platform: Path) -> None:
    failing_before = failing(platform)
    changed = round_trip(platform, "job", "nightly-cleanup")
    assert list(changed) == [".changeset/remove-nightly-cleanup-job.md"]
    assert failing(platform) == failing_before == []


def test_removing_one_of_two_jobs_of_a_service_keeps_the_other(platform: Path) -> None:
    assert run(platform, "new", "job", "nightly-cleanup", "--defaults") == 0
    failing_before = failing(platform)  # without node_modules the SDK schema is stale (SVC-SDK-01): not ours
    changed = round_trip(platform, "job", "weekly-report")
    assert list(changed) == [".changeset/remove-weekly-report-job.md"]
    assert failing(platform) == failing_before


def test_an_unknown_job_is_one_line(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(platform, "remove", "job", "never-was") == 2
    assert "no job 'never-was' in JOBS" in capsys.readouterr().err


def test_a_service_round_trips_to_the_same_tree_but_the_changeset(platform: Path) -> None:
    failing_before = failing(platform)
    changed = round_trip(platform, "service", "care-plans", "--resource", "care_plan")
    assert list(changed) == [".changeset/remove-care-plans-service.md"]
    assert failing(platform) == failing_before == []


def test_a_service_that_a_job_calls_is_refused(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(platform, "new", "job", "nightly-cleanup", "--defaults") == 0
    before = snapshot(platform)
    capsys.readouterr()
    assert run(platform, "remove", "service", "billing") == 2
    assert "job 'nightly-cleanup' still calls service 'billing'" in capsys.readouterr().err
    assert snapshot(platform) == before


def test_a_service_whose_sdk_is_imported_is_refused(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(platform, "new", "service", "care-plans", "--defaults") == 0
    (platform / "services/billing/src/plans.ts").write_text('import { client } from "@platform/sdk-care-plans";\n')
    capsys.readouterr()
    assert run(platform, "remove", "service", "care-plans") == 2
    assert "services/billing/src/plans.ts:1 still uses @platform/sdk-care-plans" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags",
    [
        (),
        ("--method", "post"),  # a mutation: the created event becomes a webhook, with its scope
        ("--scope", "billing:export", "--scope-description", "Export invoices."),  # a new scope goes with it
        ("--method", "patch", "--path", "/items/{id}", "--emits", "none"),  # an item route, no webhook
        ("--method", "delete", "--path", "/items/{id}", "--emits", "billing.item_created"),  # the created event
    ],
)
def test_an_endpoint_round_trips_to_the_same_tree_but_the_changeset(platform: Path, flags: tuple[str, ...]) -> None:
    failing_before = failing(platform)
    changed = round_trip(platform, "endpoint", "list-invoices", "--service", "billing", *flags)
    assert list(changed) == [".changeset/remove-list-invoices-endpoint.md"]
    assert failing(platform) == failing_before


def test_a_nested_collection_goes_with_the_last_route_that_uses_it(platform: Path) -> None:
    failing_before = failing(platform)
    before = snapshot(platform)
    nested = ("--service", "billing", "--path", "/items/{id}/lines")
    assert run(platform, "new", "endpoint", "list-item-lines", "--defaults", *nested) == 0
    assert run(platform, "new", "endpoint", "add-item-line", "--defaults", *nested, "--method", "post", "--emits",
               "none") == 0
    made = snapshot(platform)
    # the POST still adds lines: removing the GET keeps the collection
    assert run(platform, "remove", "endpoint", "list-item-lines") == 0
    kept = snapshot(platform)
    for path in ("migrations/0009_create_item_lines.sql", "src/services/item_line-service.ts",
                 "test/unit/item_line-service.test.ts", "test/helpers.ts"):
        assert kept[f"services/billing/{path}"] == made[f"services/billing/{path}"], path
    assert "ItemLine:" in kept["services/billing/openapi.yaml"].decode()
    assert run(platform, "remove", "endpoint", "add-item-line") == 0
    after = snapshot(platform)
    changed = {path for path in set(before) | set(after) if before.get(path) != after.get(path)}
    assert changed == {".changeset/remove-list-item-lines-endpoint.md", ".changeset/remove-add-item-line-endpoint.md"}
    assert failing(platform) == failing_before


def test_an_integration_round_trips_to_the_same_tree_but_the_changeset(platform: Path) -> None:
    failing_before = failing(platform)
    changed = round_trip(platform, "integration", "acme-sync")
    assert changed == {}  # and no changeset: the generator wrote none, and an empty one fails DEPLOY-01
    assert not (platform / "integrations/acme-sync").exists()
    assert failing(platform) == failing_before


def test_every_kind_has_a_remover(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for kind in ("service", "event", "job", "endpoint", "integration"):
        assert run(platform, "remove", kind, "never-was") == 2
        error = capsys.readouterr().err
        assert "not built yet" not in error and error.count("\n") == 1, error


def test_a_webhook_another_mutation_still_emits_stays(platform: Path) -> None:
    first = ("new", "endpoint", "void-invoice", "--service", "billing", "--method", "post", "--defaults")
    assert run(platform, *first) == 0
    changed = round_trip(platform, "endpoint", "refund-invoice", "--service", "billing", "--method", "post")
    assert list(changed) == [".changeset/remove-refund-invoice-endpoint.md"]
    assert '"billing.item_created"' in (platform / "packages/contracts/src/webhooks.ts").read_text()


def test_an_action_emitting_a_user_facing_event_round_trips_and_the_event_stays_user_facing(platform: Path) -> None:
    event = ("new", "event", "invoice.paid", "--defaults", "--field", "amount:number", "--user-facing")
    assert run(platform, *event) == 0
    failing_before = failing(platform)
    assert [f.split(":")[0] for f in failing_before] == ["SVC-EV-03 service"]  # declared, not yet published
    path = ("--path", "/items/{id}/pay", "--emits", "invoice.paid")
    assert run(platform, "new", "endpoint", "pay-item", "--defaults", "--method", "post", *path) == 0
    # the action publishes it, through its helper; only the SDK waits for `pnpm sdk:gen` (no node_modules here)
    assert [f.split(":")[0] for f in failing(platform)] == ["SVC-SDK-01 service"]
    assert run(platform, "remove", "endpoint", "pay-item") == 0
    assert '"invoice.paid"' in (platform / "packages/contracts/src/webhooks.ts").read_text()
    assert failing(platform) == failing_before


def test_an_event_whose_helper_a_route_calls_is_refused(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(platform, "new", "event", "invoice.paid", "--defaults", "--user-facing") == 0
    action = ("--method", "post", "--path", "/items/{id}/pay", "--emits", "invoice.paid")
    assert run(platform, "new", "endpoint", "pay-item", "--defaults", *action) == 0
    capsys.readouterr()
    before = snapshot(platform)
    assert run(platform, "remove", "event", "invoice.paid") == 2
    error = capsys.readouterr().err
    assert "is still used at services/billing/src/routes/pay-item.ts:" in error and error.count("\n") == 1
    assert snapshot(platform) == before


def test_a_scope_other_code_still_requires_stays_and_a_link_out_of_the_repo_is_not_read(
    platform: Path, tmp_path: Path
) -> None:
    new = ("new", "endpoint", "export-items", "--service", "billing", "--defaults")
    scope = ("--scope", "billing:export", "--scope-description", "Export items.")
    registry = platform / "packages/scopes/src/registry.ts"
    outside = tmp_path / "outside.ts"
    outside.write_text('requireScope("billing:export");\n')
    (platform / "services/billing/src/linked.ts").symlink_to(outside)
    assert run(platform, *new, *scope) == 0
    assert run(platform, "remove", "endpoint", "export-items") == 0
    assert '"billing:export"' not in registry.read_text()  # what the link points at is not the repo's code

    (platform / "services/billing/src/export.ts").write_text('export const EXPORT = requireScope("billing:export");\n')
    assert run(platform, *new, *scope) == 0
    assert run(platform, "remove", "endpoint", "export-items") == 0
    assert '"billing:export"' in registry.read_text()


def test_a_job_whose_work_was_written_is_not_removed_until_that_work_is_moved(
    platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(platform, "new", "job", "nightly-cleanup", "--defaults") == 0
    work = platform / "services/billing/src/jobs/nightly-cleanup.ts"
    work.write_text(work.read_text().replace("return { processed: 0 };", "return { processed: 1 };"))
    before = snapshot(platform)
    capsys.readouterr()
    assert run(platform, "remove", "job", "nightly-cleanup") == 2
    err = capsys.readouterr().err
    assert "services/billing/src/jobs/nightly-cleanup.ts holds the job's work" in err and err.count("\n") == 1
    assert snapshot(platform) == before
    work.unlink()  # the team moved its work elsewhere
    assert run(platform, "remove", "job", "nightly-cleanup") == 0
    assert "nightly-cleanup" not in (platform / "services/jobs/src/jobs/registry.ts").read_text()
