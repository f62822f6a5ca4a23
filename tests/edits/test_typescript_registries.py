from __future__ import annotations

import pytest

from scaffold.edits.typescript_registries import (
    add_array_element,
    add_import,
    add_object_entry,
    add_sorted_array_element,
)
from scaffold.errors import ScaffoldError

REGISTRY = """import type { z } from "zod";
// scaffold:event-family-imports (one import per family file, sorted)
import * as platform from "./platform";

// Every event the platform publishes. Keep this comment.
export const EVENT_SCHEMAS = {
  // heartbeat comes from the jobs service
  "platform.heartbeat": platform.heartbeat,
  "zeta.thing_done": zeta.thingDone,
} as const satisfies Record<string, z.ZodType>;
"""


def test_object_entry_goes_in_key_order_and_keeps_comments() -> None:
    edited = add_object_entry(REGISTRY, "registry.ts", "EVENT_SCHEMAS", "billing.item_created", "billing.itemCreated")
    assert edited == REGISTRY.replace(
        "  // heartbeat comes", '  "billing.item_created": billing.itemCreated,\n  // heartbeat comes'
    ) or edited == REGISTRY.replace(
        '  "platform.heartbeat"', '  "billing.item_created": billing.itemCreated,\n  "platform.heartbeat"'
    )
    middle = add_object_entry(REGISTRY, "registry.ts", "EVENT_SCHEMAS", "shop.order_paid", "shop.orderPaid")
    assert middle.index('"platform.heartbeat"') < middle.index('"shop.order_paid"') < middle.index('"zeta.thing_done"')


def test_object_entry_is_idempotent() -> None:
    once = add_object_entry(REGISTRY, "registry.ts", "EVENT_SCHEMAS", "billing.item_created", "billing.itemCreated")
    assert add_object_entry(once, "registry.ts", "EVENT_SCHEMAS", "billing.item_created", "billing.itemCreated") == once


def test_import_is_added_in_order_once() -> None:
    edited = add_import(REGISTRY, "registry.ts", 'import * as billing from "./billing";')
    lines = edited.splitlines()
    assert lines[2] == 'import * as billing from "./billing";'
    assert lines[3] == 'import * as platform from "./platform";'
    assert add_import(edited, "registry.ts", 'import * as billing from "./billing";') == edited


def test_array_element_inside_a_function_and_sorted() -> None:
    config = (
        "export default $config({\n  async run() {\n    const services = [\n"
        '      await import("./services/jobs/infra"),\n    ];\n  },\n});\n'
    )
    edited = add_sorted_array_element(config, "sst.config.ts", "services", 'await import("./services/billing/infra")')
    assert '      await import("./services/billing/infra"),\n      await import("./services/jobs/infra"),' in edited
    assert (
        add_sorted_array_element(edited, "sst.config.ts", "services", 'await import("./services/billing/infra")')
        == edited
    )


def test_empty_multiline_array_gets_indented_element() -> None:
    jobs = "export const JOBS: JobDefinition[] = [\n];\n"
    assert (
        add_array_element(jobs, "registry.ts", "JOBS", "{ name: 'x' }")
        == "export const JOBS: JobDefinition[] = [\n  { name: 'x' },\n];\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("export const EVENT_SCHEMAS = {\n", "not valid TypeScript"),
        ("export const OTHER = {\n};\n", "no `EVENT_SCHEMAS"),
    ],
)
def test_malformed_registry_is_a_one_line_error(text: str, message: str) -> None:
    with pytest.raises(ScaffoldError, match=message):
        add_object_entry(text, "registry.ts", "EVENT_SCHEMAS", "a.b", "x")


def test_removals_are_the_inverse_of_the_insertions() -> None:
    from scaffold.edits.typescript_registries import remove_import, remove_object_entry

    added = add_import(REGISTRY, "r.ts", 'import * as invoice from "./invoice";')
    added = add_object_entry(added, "r.ts", "EVENT_SCHEMAS", "invoice.paid", "invoice.paid")
    removed = remove_object_entry(added, "r.ts", "EVENT_SCHEMAS", "invoice.paid")
    assert remove_import(removed, "r.ts", 'import * as invoice from "./invoice";') == REGISTRY
    assert remove_object_entry(REGISTRY, "r.ts", "EVENT_SCHEMAS", "never.was") == REGISTRY


def test_an_entry_sharing_its_line_is_refused_not_reformatted() -> None:
    from scaffold.edits.typescript_registries import remove_object_entry

    with pytest.raises(ScaffoldError, match=r"r.ts:1: .* shares its line with other code"):
        remove_object_entry('export const SCOPES = { "a:read": 1, "b:read": 2 };\n', "r.ts", "SCOPES", "a:read")
