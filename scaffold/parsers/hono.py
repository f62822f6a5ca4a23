"""The routes a set of TypeScript files serves through Hono, joined across files: mounts, base paths, factories.

    table = route_table({"src/app.ts": parsed_app, "src/routes/items.ts": parsed_items})
    table.routes        # [ServedRoute(file, route, path)]: route.method, path as served ("/admin/stats")
    table.problems      # [RouteReadingProblem(file, line, reason)]: what the reader could not follow

`scaffold.parsers.typescript.routes` reads each registration in one file (`app.get`, `app.on`, `app.all`, chains,
`app.openapi(createRoute(...))`). This module decides which app each registration is on and where that app is
served: `parent.route(prefix, child)` mounts (the child an app of the same file, one imported from a relative
module, or the app a factory function returns), `.basePath(prefix)`, and a function that takes an app as a
parameter and is called with one (`itemRoutes(app, db)`). An app nobody mounts is served at the root.

It fails closed: a mount it cannot follow (a computed prefix, an app from a package or a computed expression) is a
problem naming the file and line, and the routes on an app whose place it cannot tell come back with `path=None`.
Nothing here knows the platform layout.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from tree_sitter import Node

from scaffold.parsers import typescript as ts


@dataclass(frozen=True)
class ServedRoute:
    file: str
    route: ts.Route  # the registration as written (route.path is relative to its app)
    path: str | None  # where it is served, mounts and base paths applied; None when that cannot be told


@dataclass(frozen=True)
class RouteReadingProblem:
    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[ServedRoute, ...]
    problems: tuple[RouteReadingProblem, ...]


# An app is named by where it is made: (file, start byte, what) — a `new Hono()` expression, a function
# parameter, or a conventional router name nobody declares.
_AppKey = tuple[str, int, str]
# methods that return the app they are called on (so a chain keeps its receiver)
_CHAINING = frozenset({*ts.ROUTE_METHODS, "on", "openapi", "use", "route", "onError", "notFound", "doc", "doc31"})
_MAX_DEPTH = 40


def join_paths(base: str, path: str) -> str:
    """Hono's `mergePath`: `/items` + `/:id` → `/items/:id`; `/items` + `/` → `/items`; `` + `/x` → `/x`."""
    if not base or base == "/":
        return path if path.startswith("/") or path == "*" else "/" + path
    if path in {"", "/"}:
        return base
    return base.rstrip("/") + "/" + path.lstrip("/")


class _Reader:
    def __init__(self, files: Mapping[str, ts.ParsedTs]) -> None:
        self.files = files
        self.problems: list[RouteReadingProblem] = []
        self.mounts: dict[_AppKey, list[tuple[_AppKey, str]]] = {}  # child -> [(parent, prefix)]
        self._resolving: set[tuple[str, int, int, str]] = set()
        self._resolved: dict[tuple[str, int, int, str], tuple[_AppKey, str] | str] = {}

    # --- which app an expression is ------------------------------------------------------------------------
    def app_of(self, file: str, node: Node, depth: int = 0) -> tuple[_AppKey, str] | str:
        """The app an expression evaluates to and the base path it adds, or why that cannot be told."""
        node = ts.unwrap(node)
        memo = (file, node.start_byte, node.end_byte, node.type)
        if memo in self._resolved:
            return self._resolved[memo]
        if memo in self._resolving or depth > _MAX_DEPTH:
            return f"`{ts.quoted_text(node)}` refers to itself"
        self._resolving.add(memo)
        try:
            found = self._app_of(file, node, depth)
        finally:
            self._resolving.discard(memo)
        self._resolved[memo] = found
        return found

    def _app_of(self, file: str, node: Node, depth: int) -> tuple[_AppKey, str] | str:
        def text() -> str:  # only for a reason: a node may span a whole file
            return ts.quoted_text(node)

        if node.type == "new_expression":
            constructor = node.child_by_field_name("constructor")
            if constructor is not None and "Hono" in ts.text_of(constructor):
                return (file, node.start_byte, "new"), ""
            return f"`{text()}` is not a Hono app"
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "member_expression":
                prop = function.child_by_field_name("property")
                receiver = function.child_by_field_name("object")
                method = ts.text_of(prop) if prop is not None else ""
                if receiver is not None and method == "basePath":
                    arguments = ts.arguments_of(node)
                    prefix = ts.evaluate_string(self.files[file], arguments[0]) if arguments else None
                    if prefix is None:
                        return f"the base path in `{text()}` is computed"
                    inner = self.app_of(file, receiver, depth + 1)
                    return inner if isinstance(inner, str) else (inner[0], join_paths(inner[1], prefix))
                if receiver is not None and method in _CHAINING:
                    return self.app_of(file, receiver, depth + 1)
                return f"`{text()}` is not a call the reader can follow to a Hono app"
            if function is not None and function.type == "identifier":
                target = self.definition(file, function, depth)
                if isinstance(target, str):
                    return target
                target_file, target_node = target
                if target_node.type not in ts.FUNCTION_TYPES:
                    return f"`{ts.text_of(function)}` is not a function the reader can see"
                return self.returned_app(target_file, target_node, depth)
            return f"`{text()}` is not a call the reader can follow to a Hono app"
        if node.type == "identifier":
            target = self.definition(file, node, depth)
            if isinstance(target, str):
                return target
            target_file, target_node = target
            if target_node.type in {"required_parameter", "optional_parameter"} or _is_single_parameter(target_node):
                return (target_file, target_node.start_byte, "parameter"), ""
            if target_node.type == "identifier":  # a conventional name nobody declares
                return (target_file, 0, ts.text_of(target_node)), ""
            return self.app_of(target_file, target_node, depth + 1)
        return f"`{text()}` is not an expression the reader can follow to a Hono app"

    def returned_app(self, file: str, function: Node, depth: int) -> tuple[_AppKey, str] | str:
        """The app a factory function returns (its first `return` the reader can follow, or its expression body)."""
        name = _function_name_of(function) or "the function"
        body = function.child_by_field_name("body")
        if body is not None and body.type != "statement_block":
            return self.app_of(file, body, depth + 1)
        reasons = []
        for statement in ts.nodes(self.files[file], "return_statement", within=function):
            if next(ts.enclosing_functions(statement), None) != function or not statement.named_children:
                continue
            found = self.app_of(file, statement.named_children[0], depth + 1)
            if not isinstance(found, str):
                return found
            reasons.append(found)
        return reasons[0] if reasons else f"`{name}` returns no Hono app the reader can see"

    # --- what a name refers to -----------------------------------------------------------------------------
    def definition(self, file: str, identifier: Node, depth: int) -> tuple[str, Node] | str:
        """Where a name is bound: a parameter or declarator value in scope, a function, or an export of a relative
        module; a conventional router name bound nowhere comes back as the identifier itself."""
        name = ts.text_of(identifier)
        parsed = self.files[file]
        scope: Node | None = identifier.parent
        while scope is not None:
            if scope.type in ts.FUNCTION_TYPES:
                parameters = scope.child_by_field_name("parameters")
                for parameter in parameters.named_children if parameters is not None else []:
                    pattern = parameter.child_by_field_name("pattern")
                    if pattern is not None and ts.text_of(pattern) == name:
                        return file, parameter
                single = scope.child_by_field_name("parameter")  # `app => ...`
                if single is not None and ts.text_of(single) == name:
                    return file, single
            if scope.type in {"statement_block", "program"}:
                bound = _declared_in(scope, name)
                if bound is not None:
                    return file, bound
            scope = scope.parent
        for imported in ts.imports(parsed):
            if name in imported.names:
                return self.exported(file, imported.module, imported.names[name], depth)
        if name in ts.ROUTER_NAMES:
            return file, identifier
        return f"`{name}` is not declared where the reader can see it"

    def exported(self, importer: str, module: str, name: str, depth: int) -> tuple[str, Node] | str:
        target = self.module_file(importer, module)
        if target is None:
            return f"`{name}` comes from `{module}`, which the reader does not follow"
        if depth > _MAX_DEPTH:
            return f"the exports of `{module}` go round in a circle"
        parsed = self.files[target]
        for statement in parsed.root.named_children:
            if statement.type != "export_statement":
                continue
            source = statement.child_by_field_name("source")
            declaration = statement.child_by_field_name("declaration")
            value = statement.child_by_field_name("value")
            if name == "default" and value is not None:
                if value.type == "identifier":
                    return self.definition(target, value, depth + 1)
                return target, value
            if name == "default" and declaration is not None and any(c.type == "default" for c in statement.children):
                return target, declaration
            if declaration is not None and name != "default":
                bound = _declared_in_statement(declaration, name)
                if bound is not None:
                    return target, bound
            for clause in (c for c in statement.named_children if c.type == "export_clause"):
                for specifier in (s for s in clause.named_children if s.type == "export_specifier"):
                    local = specifier.child_by_field_name("name")
                    alias = specifier.child_by_field_name("alias")
                    if local is None or ts.text_of(alias or local) != name:
                        continue
                    if source is not None:
                        return self.exported(target, ts.string_value(source) or "", ts.text_of(local), depth + 1)
                    bound = _declared_in(parsed.root, ts.text_of(local))
                    return (target, bound) if bound is not None else f"`{name}` is not declared in {target}"
        return f"{target} exports no `{name}` the reader can see"

    def module_file(self, importer: str, module: str) -> str | None:
        """The file a relative import names (`./x`, `./x.js`, `./x/index`), when it is one of the files read."""
        if not module.startswith("."):
            return None
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), module))
        stem = base[: -len(posixpath.splitext(base)[1])] if base.endswith((".js", ".mjs", ".ts", ".tsx")) else base
        for candidate in (base, f"{stem}.ts", f"{stem}.tsx", f"{stem}/index.ts", f"{stem}/index.tsx"):
            if candidate in self.files:
                return candidate
        return None

    def imported_openapi_routes(self, file: str, problem: ts.RouteProblem) -> list[ts.Route] | str:
        """The routes of an `app.openapi(<name>, ...)` whose config is declared in another file; "" when the
        problem is of another kind, else why the config cannot be read."""
        if problem.config_name is None:
            return ""
        target = self.definition(file, problem.config_name, 0)
        if isinstance(target, str):
            return f"app.openapi(...): {target}"
        target_file, value = target
        return ts.openapi_routes(self.files[file], problem.node, self.files[target_file], value)

    # --- where each app is served --------------------------------------------------------------------------
    def read_mounts(self) -> None:
        for file, parsed in self.files.items():
            for call in ts.calls(parsed, lambda callee: callee.endswith(".route")):
                self._read_mount(file, parsed, call)

    def _read_mount(self, file: str, parsed: ts.ParsedTs, call: ts.Call) -> None:
        function = call.node.child_by_field_name("function")
        receiver = function.child_by_field_name("object") if function is not None else None
        arguments = ts.arguments_of(call.node)
        if receiver is None or len(arguments) != 2:
            return
        parent = self.app_of(file, receiver)
        if isinstance(parent, str):
            return  # not a Hono app (e.g. some other object's `route` method)
        prefix = ts.evaluate_string(parsed, arguments[0])
        child = self.app_of(file, arguments[1])
        mount = f"{ts.quoted_text(receiver)}.route({ts.quoted_text(arguments[0])}, ...)"
        if prefix is None:
            self.problem(file, call.line, f"{mount}: the prefix is computed, so the routes mounted there are unknown")
        elif isinstance(child, str):
            what = ts.quoted_text(arguments[1])
            self.problem(file, call.line, f"{mount} mounts `{what}`, which the reader cannot follow: {child}")
        else:
            self.mounts.setdefault(child[0], []).append((parent[0], join_paths(parent[1], prefix)))

    def read_parameter_passing(self, parameters: set[_AppKey]) -> None:
        """A function that registers routes on its app parameter serves them wherever the argument is served."""
        wanted = {key for key in parameters if key[2] == "parameter"}
        if not wanted:
            return
        # only calls of a name the functions taking those parameters may go by (their own, or an import's)
        functions = {self.files[key[0]].root.descendant_for_byte_range(key[1], key[1]) for key in wanted}
        own_names = {_function_name(parameter) for parameter in functions if parameter is not None} - {None}
        for file, parsed in self.files.items():
            callable_names = own_names | {
                local
                for imported in ts.imports(parsed)
                for local, name in imported.names.items()
                if name in own_names or name == "default"
            }
            for call in ts.all_calls(parsed):
                function = call.node.child_by_field_name("function")
                if function is None or function.type != "identifier" or call.callee not in callable_names:
                    continue
                target = self.definition(file, function, 0)
                if isinstance(target, str) or target[1].type not in ts.FUNCTION_TYPES:
                    continue
                target_file, target_node = target
                parameter_list = target_node.child_by_field_name("parameters")
                single = target_node.child_by_field_name("parameter")
                declared = [p for p in (parameter_list.named_children if parameter_list else []) if p.type != "comment"]
                declared = declared or ([single] if single is not None else [])
                for parameter, argument in zip(declared, ts.arguments_of(call.node), strict=False):
                    key = (target_file, parameter.start_byte, "parameter")
                    if key not in wanted:
                        continue
                    app = self.app_of(file, argument)
                    if isinstance(app, str):
                        what = ts.quoted_text(argument)
                        reason = f"`{what}` is passed as an app, but the reader cannot follow it: {app}"
                        self.problem(file, call.line, reason)
                    else:
                        self.mounts.setdefault(key, []).append(app)

    def prefixes(self, key: _AppKey, seen: frozenset[_AppKey] = frozenset()) -> list[str]:
        """Every path prefix an app is served under ([""] for an app nobody mounts)."""
        parents = self.mounts.get(key)
        if not parents:
            return [""]
        if key in seen:
            return []
        found: list[str] = []
        for parent, prefix in parents:
            for above in self.prefixes(parent, seen | {key}):
                joined = join_paths(above, prefix) if prefix else above
                if joined not in found:
                    found.append(joined)
        return found

    def problem(self, file: str, line: int, reason: str) -> None:
        self.problems.append(RouteReadingProblem(file, line, reason))


def _is_single_parameter(node: Node) -> bool:
    """`app` in `app => ...` (an arrow function's one parameter written without parentheses)."""
    parent = node.parent
    single = parent.child_by_field_name("parameter") if parent is not None and parent.type == "arrow_function" else None
    return single is not None and single.start_byte == node.start_byte and single.end_byte == node.end_byte


def _function_name(parameter: Node) -> str | None:
    """The name the function declaring a parameter is called by (`function f`, `const f = () => ...`)."""
    function = next(ts.enclosing_functions(parameter), None)
    return None if function is None else _function_name_of(function)


def _function_name_of(function: Node) -> str | None:
    name = function.child_by_field_name("name")
    if name is not None:
        return ts.text_of(name)
    # `declared_name` stops at a function; the declarator holding this one is above it
    return ts.declared_name(function.parent) if function.parent is not None else None


def _declared_in(scope: Node, name: str) -> Node | None:
    """The value (or function) `name` is declared with directly in a block or the program, exported or not."""
    for statement in scope.named_children:
        target = statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
        if target is not None:
            bound = _declared_in_statement(target, name)
            if bound is not None:
                return bound
    return None


def _declared_in_statement(statement: Node, name: str) -> Node | None:
    if statement.type in {"function_declaration", "generator_function_declaration"}:
        declared = statement.child_by_field_name("name")
        return statement if declared is not None and ts.text_of(declared) == name else None
    if statement.type in {"lexical_declaration", "variable_declaration"}:
        for declarator in (d for d in statement.named_children if d.type == "variable_declarator"):
            declared, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if declared is not None and ts.text_of(declared) == name:
                return ts.unwrap(value) if value is not None else declarator
    return None


def route_table(files: Mapping[str, ts.ParsedTs]) -> RouteTable:
    """Every route `files` serve, at the paths their apps are served under, and what could not be read.
    `files` maps repo-relative paths (forward slashes) to parsed files that parse cleanly."""
    reader = _Reader(files)
    registrations: list[tuple[str, ts.Route, tuple[_AppKey, str] | str]] = []
    for file, parsed in files.items():
        routes = ts.routes(parsed)
        for problem in ts.route_problems(parsed):
            followed = reader.imported_openapi_routes(file, problem)
            if isinstance(followed, str):
                reader.problem(file, problem.line, problem.reason if followed == "" else followed)
            else:
                routes += followed
        for route in routes:
            app = reader.app_of(file, route.receiver) if route.receiver is not None else "no receiver"
            registrations.append((file, route, app))
    reader.read_mounts()
    reader.read_parameter_passing({app[0] for _, _, app in registrations if not isinstance(app, str)})
    served: list[ServedRoute] = []
    unplaced: set[tuple[str, int]] = set()
    for file, route, app in registrations:
        if isinstance(app, str):
            if (file, route.line) not in unplaced:
                unplaced.add((file, route.line))
                where = ts.quoted_text(route.receiver) if route.receiver is not None else "?"
                reader.problem(file, route.line, f"cannot tell where `{where}` is served: {app}")
            served.append(ServedRoute(file, route, None))
            continue
        key, base = app
        for prefix in reader.prefixes(key):
            served.append(ServedRoute(file, route, join_paths(join_paths(prefix, base), route.path)))
    return RouteTable(tuple(served), tuple(reader.problems))
