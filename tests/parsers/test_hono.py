"""Hono route tables across files: which app each registration is on, and where that app is served."""

from __future__ import annotations

import pytest

from scaffold.parsers.hono import join_paths, route_table
from scaffold.parsers.typescript import parse_typescript


def _table(files: dict[str, str]) -> tuple[list[tuple[str, str | None, str, int]], list[tuple[str, int, str]]]:
    table = route_table({path: parse_typescript(text) for path, text in files.items()})
    served = sorted((r.route.method, r.path, r.file, r.route.line) for r in table.routes)
    problems = [(p.file, p.line, p.reason) for p in table.problems]
    return served, problems  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("base", "path", "joined"),
    [("", "/x", "/x"), ("/", "/x", "/x"), ("/a", "/", "/a"), ("/a/", "/b", "/a/b"), ("/a", "*", "/a/*")],
)
def test_join_paths_like_hono(base: str, path: str, joined: str) -> None:
    assert join_paths(base, path) == joined


def test_on_all_chains_and_constants() -> None:
    served, problems = _table(
        {
            "src/app.ts": """import { Hono } from "hono";
const ITEMS = "/items";
const server = new Hono();
server.on(["GET", "POST"], ITEMS, handle);
server.all(`${ITEMS}/:id`, handle).get("/other", handle);
new Hono().get("/inline", handle);
function handle(c) { return c.json({}); }
"""
        }
    )
    assert problems == []
    assert served == [
        ("all", "/items/:id", "src/app.ts", 5),
        ("get", "/inline", "src/app.ts", 6),
        ("get", "/items", "src/app.ts", 4),
        ("get", "/other", "src/app.ts", 5),
        ("post", "/items", "src/app.ts", 4),
    ]


def test_mounts_across_files_factories_base_paths_and_default_exports() -> None:
    served, problems = _table(
        {
            "src/app.ts": """import { Hono } from "hono";
import { admin } from "./admin";
import makeReports from "./reports.js";
import { registerItems } from "./items";
const app = new Hono().basePath("/v1");
app.route("/admin", admin);
app.route("/reports", makeReports());
const internal = app.basePath("/internal");
internal.get("/ping", (c) => c.text("pong"));
registerItems(app);
export default app;
""",
            "src/admin.ts": """import { Hono } from "hono";
export const admin = new Hono().get("/stats", (c) => c.json({}));
""",
            "src/reports/index.ts": """import { Hono } from "hono";
export default function makeReports() {
  const reports = new Hono();
  reports.get("/", (c) => c.json([]));
  return reports;
}
""",
            "src/items.ts": """import type { Hono } from "hono";
export function registerItems(router: Hono) {
  router.delete("/items/:id", (c) => c.body(null, 204));
}
""",
        }
    )
    assert problems == []
    assert served == [
        ("delete", "/v1/items/:id", "src/items.ts", 3),
        ("get", "/v1/admin/stats", "src/admin.ts", 2),
        ("get", "/v1/internal/ping", "src/app.ts", 9),
        ("get", "/v1/reports", "src/reports/index.ts", 4),
    ]


def test_zod_openapi_routes() -> None:
    served, problems = _table(
        {
            "src/app.ts": """import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
const app = new OpenAPIHono();
const getItem = createRoute({ method: "get", path: "/items/{id}", middleware: [requireScope("x:read")] });
app.openapi(getItem, (c) => c.json({}));
app.openapi(createRoute({ method: "post", path: "/items" }), (c) => c.json({}, 201));
app.openapi(routes[0], (c) => c.json({}));
"""
        }
    )
    assert served == [("get", "/items/:id", "src/app.ts", 4), ("post", "/items", "src/app.ts", 5)]
    assert [(line, "routes[0]" in reason) for _, line, reason in problems] == [(6, True)]


def test_what_cannot_be_read_is_a_problem_at_its_line() -> None:
    served, problems = _table(
        {
            "src/app.ts": """import { Hono } from "hono";
import { pluginApp } from "@vendor/plugin";
const app = new Hono();
app.get(process.env.PATH_PREFIX + "/x", (c) => c.text(""));
app.on(methods, "/y", (c) => c.text(""));
app.route(prefix, other);
app.route("/plugin", pluginApp);
deps.server.post("/z", (c) => c.text(""));
map.get("/not-a-route");
process.on("SIGTERM", () => undefined);
"""
        }
    )
    assert served == []
    lines = [line for _, line, _ in problems]
    assert lines == [4, 5, 8, 6, 7]
    reasons = dict((line, reason) for _, line, reason in problems)
    assert "computed" in reasons[4] and "computed" in reasons[5] and "computed" in reasons[6]
    assert "@vendor/plugin" in reasons[7] and "deps.server" in reasons[8]


def test_a_route_on_an_app_from_a_package_is_kept_but_unplaced() -> None:
    table = route_table(
        {"src/a.ts": parse_typescript('import { app } from "@vendor/app";\napp.get("/x", (c) => c.text(""));\n')}
    )
    assert [(r.route.path, r.path) for r in table.routes] == [("/x", None)]
    assert [(p.line, "@vendor/app" in p.reason) for p in table.problems] == [(2, True)]


def test_zod_openapi_route_configs_imported_from_another_file() -> None:
    served, problems = _table(
        {
            "src/app.ts": """import { OpenAPIHono } from "@hono/zod-openapi";
import { getItem, listItems as list } from "./routes";
import { missing } from "@vendor/routes";
const app = new OpenAPIHono().basePath("/v1");
app.openapi(getItem, (c) => c.json({}));
app.openapi(list, (c) => c.json([]));
app.openapi(missing, (c) => c.json([]));
""",
            "src/routes.ts": """import { createRoute } from "@hono/zod-openapi";
export const getItem = createRoute({ method: "get", path: "/items/{id}", middleware: [requireScope("x:read")] });
export const listItems = createRoute({ method: "get", path: "/items" });
""",
        }
    )
    assert served == [("get", "/v1/items", "src/app.ts", 6), ("get", "/v1/items/:id", "src/app.ts", 5)]
    assert [(line, "@vendor/routes" in reason) for _, line, reason in problems] == [(7, True)]
    files = {
        "src/app.ts": 'import { getItem } from "./routes";\nconst app = new OpenAPIHono();\napp.openapi(getItem, h);\n',
        "src/routes.ts": 'export const getItem = createRoute({ method: "get", path: "/i",\n'
        '  middleware: requireScope("x:r") });\n',
    }
    (route,) = route_table({path: parse_typescript(text) for path, text in files.items()}).routes
    scope = route.route.uses("requireScope")
    assert scope is not None and scope.strings == ("x:r",)


def test_an_untyped_arrow_parameter_is_the_app_it_is_called_with() -> None:
    served, problems = _table(
        {
            "src/app.ts": """import { Hono } from "hono";
import { register } from "./items";
const app = new Hono();
const v2 = new Hono();
register(v2);
app.route("/v2", v2);
""",
            "src/items.ts": 'export const register = app => app.get("/items", (c) => c.json([]));\n',
        }
    )
    assert problems == []
    assert served == [("get", "/v2/items", "src/items.ts", 1)]
