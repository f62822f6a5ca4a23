"""tree-sitter views of TypeScript: routes, calls, imports, literals, transaction scopes."""

from __future__ import annotations

from scaffold.parsers.typescript import (
    Expression,
    calls,
    classes,
    imports,
    literal,
    parse_typescript,
    routes,
    sets_context_value,
    strings,
    transaction_scope,
)

ROUTES = """
import { audit, idempotency, requireScope, transactional, type AppEnv, type Db } from "@platform/service-kit";
import type { Hono } from "hono";

export function itemRoutes(app: Hono<AppEnv>, db: Db): void {
  app.get("/items", requireScope("billing:read", "billing:admin"), async (c) => c.json([]));
  app.post(
    "/items",
    requireScope("billing:write"),
    transactional(db),
    idempotency(),
    audit(),
    async (c) => {
      c.set("audit_event_type", "billing.item.created");
      await enqueue(c.var.tx, { name: "billing.item_created" });
      return c.json({}, 201);
    },
  );
}
const api = new Hono();
api.delete("/items/:id", remove).patch("/items/:id", requireScope("billing:write"), update);
client.get("/not-a-route", handler);
c.get("auth");
function remove(c) { return c.body(null, 204); }
"""


def test_routes_with_middleware_and_handlers() -> None:
    found = routes(parse_typescript(ROUTES))
    assert [(r.method, r.path, r.line) for r in found] == [
        ("get", "/items", 6),
        ("post", "/items", 7),
        ("patch", "/items/:id", 21),
        ("delete", "/items/:id", 21),
    ]
    get, post, patch, delete = found
    scope = get.uses("requireScope")
    assert scope is not None and scope.strings == ("billing:read", "billing:admin")
    assert [m.name for m in post.middleware] == ["requireScope", "transactional", "idempotency", "audit"]
    assert post.is_mutation and not get.is_mutation
    assert delete.middleware == () and delete.handler is not None  # `remove` resolved in the same file
    assert patch.handler is None  # `update` is not declared here


def test_handler_sets_audit_event_type() -> None:
    parsed = parse_typescript(ROUTES)
    get, post, *_ = routes(parsed)
    assert sets_context_value(parsed, post.handler, "audit_event_type")
    assert not sets_context_value(parsed, get.handler, "audit_event_type")


def test_calls_by_callee_ignore_whitespace() -> None:
    parsed = parse_typescript('log . info("a", safeView(x, ["id"]));\nlog.warn(`t ${y}`);\n')
    info = calls(parsed, "log.info")
    assert len(info) == 1 and info[0].line == 1
    assert info[0].arguments[0].string == "a" and info[0].arguments[0].is_literal
    assert not calls(parsed, "log.warn")[0].arguments[0].is_literal
    assert len(calls(parsed, lambda callee: callee.startswith("log."))) == 2


def test_imports() -> None:
    extra = 'import Stripe, * as all from "stripe";\nimport { a as b } from "./x";\n'
    found = imports(parse_typescript(ROUTES + extra))
    assert found[0].module == "@platform/service-kit" and found[0].names["requireScope"] == "requireScope"
    assert found[1].type_only
    assert found[2].names == {"Stripe": "default", "all": "*"}
    assert found[3].names == {"b": "a"}


def test_literal_registry_with_lines() -> None:
    source = """import * as billing from "./billing";
export const EVENT_SCHEMAS = {
  "billing.item_created": billing.itemCreated,
  plain: 1,
  ...more,
} as const satisfies Record<string, unknown>;
export const JOBS: JobDefinition[] = [
  { name: "nightly", enabled: true, retries: -2, note: null, tags: ["a", `b`] },
];
"""
    parsed = parse_typescript(source)
    registry = literal(parsed, "EVENT_SCHEMAS")
    assert registry is not None and isinstance(registry.value, dict)
    assert registry.value["billing.item_created"].value == Expression("billing.itemCreated")
    assert registry.value["billing.item_created"].line == 3
    assert "...more" in registry.value
    jobs = literal(parsed, "JOBS")
    assert jobs is not None
    assert jobs.plain() == [{"name": "nightly", "enabled": True, "retries": -2, "note": None, "tags": ["a", "b"]}]
    assert literal(parsed, "MISSING") is None


def test_transaction_scope() -> None:
    parsed = parse_typescript(
        ROUTES
        + """
async function viaCallback(db) {
  await db.transaction(async (tx) => { await enqueue(tx, {}); });
}
async function outside(db) { await enqueue(db, {}); }
"""
    )
    scopes = [transaction_scope(parsed, call.node) for call in calls(parsed, "enqueue")]
    assert scopes[0] is not None and "c.var.tx" in scopes[0].handles and "transactional" in scopes[0].reason
    assert scopes[1] is not None and scopes[1].handles == frozenset({"tx"})
    assert scopes[2] is None


def test_error_line_and_strings_and_classes() -> None:
    assert parse_typescript(ROUTES).error_line is None
    assert parse_typescript("const a = 1;\nconst b = {;\n").error_line == 2
    assert ("/items", 6) in strings(parse_typescript(ROUTES))
    assert classes(parse_typescript("export class A {}\nclass B {}\n")) == [("A", 1, True), ("B", 2, False)]
