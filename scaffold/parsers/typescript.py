"""TypeScript through tree-sitter: routes, calls, imports, literal registries and transaction scopes.

A read-only view for the checks. Everything here takes a `ParsedTs` (from `parse_typescript`) and returns plain
dataclasses with 1-based line numbers. Nothing here knows the platform layout.

    parsed = parse_typescript(text)
    parsed.error_line                      # first syntax error's line, or None
    routes(parsed)                         # app.<method>(path, ...middleware, handler)
    calls(parsed, "log.info")              # call expressions by callee text
    literal(parsed, "EVENT_SCHEMAS")       # a const's object/array literal as Python data with lines
    imports(parsed)                        # import declarations
    transaction_scope(parsed, call.node)   # why a call runs inside a transaction, or None
    nodes(parsed, "new_expression")        # every node of these types, in source order

Checks ask the same file the same questions many times (once per check, per route, per subject), so what a
helper derives from a whole file is computed once and remembered on its `ParsedTs` (`remembered` does the same for
what a check derives from one file). Finding nodes by type is a tree-sitter query (C), not a Python walk: the
first question about a file captures every commonly asked type in one pass, sorted into types by capture name;
each question puts only its own types in source order, and a `within=` question bisects that remembered list by
byte offset. Remembered values are shared: treat them as read-only.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import TypeVar

import tree_sitter_typescript as tsts
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from scaffold import platform

_T = TypeVar("_T")

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
MUTATION_METHODS = frozenset({"post", "put", "patch", "delete"})
ROUTER_NAMES = frozenset({"app", "router", "routes", "api"})  # taken for a Hono app unless bound otherwise
FUNCTION_TYPES = frozenset(
    {"arrow_function", "function_expression", "function_declaration", "method_definition", "generator_function"}
)


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(tsts.language_typescript()))


@dataclass(frozen=True)
class ParsedTs:
    """One parsed TypeScript file."""

    source: bytes
    tree: Tree
    # what the helpers below derived from the whole file, by question (see `_remembered`)
    derived: dict[Hashable, object] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def root(self) -> Node:
        """The root node, made once: every question about the file starts from it."""
        return self.tree.root_node

    @property
    def error_line(self) -> int | None:
        """1-based line of the first ERROR or MISSING node, or None when the file parses cleanly."""
        if not self.root.has_error:
            return None
        for node in walk(self.root):
            if node.is_error or node.is_missing:
                return line_of(node)
        return line_of(self.root)


def parse_typescript(text: str) -> ParsedTs:
    source = text.encode("utf-8", errors="replace")
    return ParsedTs(source, _parser().parse(source))


# --- small node helpers ------------------------------------------------------------------------------------
def walk(node: Node) -> Iterator[Node]:
    """Every node below `node` (inclusive), depth first, in source order."""
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            yield cursor.node  # type: ignore[misc]
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
        elif cursor.goto_parent():
            visited_children = True
        else:
            return


def _remembered(parsed: ParsedTs, question: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()` the first time `question` is asked of this file, the remembered answer after that."""
    if question not in parsed.derived:
        parsed.derived[question] = compute()
    return parsed.derived[question]  # type: ignore[return-value]


def remembered(parsed: ParsedTs, question: Hashable, compute: Callable[[], _T]) -> _T:
    """`_remembered` for the checks: what a check makes of one whole file (a test file's cases), worked out once
    however many checks ask. `question` should name the check's module, so as not to meet a helper's question."""
    return _remembered(parsed, question, compute)


@lru_cache(maxsize=64)
def _query_for(language: Language, types: tuple[str, ...]) -> Query | None:
    """A query capturing every node of `types`, named or anonymous (`walk` yields both: the `string` keyword of
    a type annotation is an anonymous `string` node), the nodes of `types[i]` under the capture `t<i>`: the
    answer comes sorted into types without asking each node its type. None when the grammar has none of them."""
    patterns = [
        (f'"{kind}"' if anonymous else f"({kind})") + f" @t{index}"
        for index, kind in enumerate(types)
        for anonymous in (False, True)
        if language.id_for_node_kind(kind, not anonymous) is not None
    ]
    return Query(language, "\n".join(patterns)) if patterns else None


_START, _END = attrgetter("start_byte"), attrgetter("end_byte")


def _in_source_order(found: list[Node]) -> list[Node]:
    """`found` in `walk`'s order: by start, an enclosing node before the nodes inside it. A query reports
    captures in no such order. Two stable sorts with C-level keys (end descending, then start) cost less than
    one sort with a Python key building a tuple per node."""
    found = sorted(found, key=_END, reverse=True)
    found.sort(key=_START)
    return found


# The node types the checks ask `nodes` about. The first such question about a file captures all of them in one
# query, and each question takes its types from that: one pass over the tree instead of one per question (walking
# the whole tree is most of a pass's cost: one capturing a single type costs about two thirds of this one).
# Other types get a query of their own.
_COMMON_TYPES = frozenset(
    {
        "abstract_class_declaration",
        "assignment_expression",
        "call_expression",
        "class_declaration",
        "function_declaration",
        "member_expression",
        "new_expression",
        "optional_parameter",
        "pair",
        "property_identifier",
        "public_field_definition",
        "required_parameter",
        "string",
        "subscript_expression",
        "template_string",
        "variable_declarator",
    }
)


def _captured(parsed: ParsedTs, types: frozenset[str]) -> dict[str, list[Node]]:
    """Every node of one of `types` in the file by type, each list in no particular order (one query)."""
    kinds = tuple(sorted(types))
    query = _query_for(parsed.tree.language, kinds)
    if query is None:
        return {}
    return {kinds[int(name[1:])]: found for name, found in QueryCursor(query).captures(parsed.root).items()}


def nodes(parsed: ParsedTs, *types: str, within: Node | None = None) -> list[Node]:
    """Every node of one of `types` in the file (or below `within`, inclusive), in `walk` order."""

    def find() -> list[Node]:
        wanted = frozenset(types)
        if wanted <= _COMMON_TYPES:
            by_type = _remembered(parsed, ("captures", _COMMON_TYPES), lambda: _captured(parsed, _COMMON_TYPES))
        else:
            by_type = _captured(parsed, wanted)
        return _in_source_order([node for kind in sorted(wanted) for node in by_type.get(kind, ())])

    key = ("nodes", frozenset(types))
    everywhere = _remembered(parsed, key, find)
    if within is None:
        return list(everywhere)
    starts = _remembered(parsed, ("starts", key), lambda: [node.start_byte for node in everywhere])
    return _spanned(everywhere, starts, within, lambda node: node)


def _spanned(items: list[_T], starts: list[int], within: Node, node_of: Callable[[_T], Node]) -> list[_T]:
    """The `items` (in source order, `starts` their nodes' start bytes) whose node lies in `within`'s span: those
    starting in it (found by bisection, not by testing every item of the file) that also end in it."""
    first, last = bisect_left(starts, within.start_byte), bisect_right(starts, within.end_byte)
    return [item for item in items[first:last] if node_of(item).end_byte <= within.end_byte]


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


def text_of(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def compact(text: str) -> str:
    """Text without whitespace: `log . info` and `log.info` compare equal."""
    return "".join(text.split())


def quoted_text(node: Node, limit: int = 60) -> str:
    """An expression's text for a message: whitespace removed, cut at `limit` characters (a receiver may be a
    whole chain of calls)."""
    text = compact(text_of(node))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def string_value(node: Node) -> str | None:
    """The value of a string literal or a template string (substitutions kept as `${...}`), else None."""
    if node.type == "string":
        return "".join(text_of(child) for child in node.children if child.type not in {'"', "'"})
    if node.type == "template_string":
        return text_of(node)[1:-1]
    return None


def has_substitution(node: Node) -> bool:
    return node.type == "template_string" and any(c.type == "template_substitution" for c in node.children)


def arguments_of(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [child for child in arguments.named_children if child.type != "comment"]


def callee_of(call: Node) -> str:
    function = call.child_by_field_name("function")
    return compact(text_of(function)) if function is not None else ""


def unwrap(node: Node) -> Node:
    """Strip `as`, `satisfies`, `!`, parentheses and `await` around an expression."""
    while (
        node.type
        in {
            "as_expression",
            "satisfies_expression",
            "non_null_expression",
            "parenthesized_expression",
            "await_expression",
        }
        and node.named_children
    ):
        node = node.named_children[0]
    return node


# --- calls -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Argument:
    text: str
    line: int
    type: str  # tree-sitter node type: string, template_string, identifier, call_expression, arrow_function, ...
    string: str | None  # the value when the argument is a string or template literal
    node: Node = field(compare=False, repr=False)

    @property
    def is_literal(self) -> bool:
        """A literal with nothing computed in it (string, number, bool, null, template without `${}`)."""
        if self.type == "template_string":
            return not has_substitution(self.node)
        return self.type in {"string", "number", "true", "false", "null", "undefined"}


@dataclass(frozen=True, eq=False)
class Call:
    callee: str  # compacted text of the called expression: "fetch", "log.info", "this.db.transaction"
    line: int
    node: Node = field(repr=False)

    @cached_property
    def arguments(self) -> tuple[Argument, ...]:
        """Built when first asked for: a file has thousands of calls, and most are only asked their callee."""
        return tuple(_argument(a) for a in arguments_of(self.node))

    def first_string(self) -> str | None:
        return self.arguments[0].string if self.arguments else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Call):
            return NotImplemented
        return (self.callee, self.line, self.arguments) == (other.callee, other.line, other.arguments)

    def __hash__(self) -> int:
        return hash((self.callee, self.line, self.arguments))


def _argument(node: Node) -> Argument:
    return Argument(text_of(node), line_of(node), node.type, string_value(node), node)


def call_of(node: Node) -> Call:
    return Call(callee_of(node), line_of(node), node)


def all_calls(parsed: ParsedTs, within: Node | None = None) -> list[Call]:
    """Every call expression in the file (or below `within`), in source order."""
    everywhere = _remembered(parsed, "all_calls", lambda: [call_of(node) for node in nodes(parsed, "call_expression")])
    if within is None:
        return list(everywhere)
    starts = _remembered(parsed, "all_calls starts", lambda: [call.node.start_byte for call in everywhere])
    return _spanned(everywhere, starts, within, lambda call: call.node)


def calls(parsed: ParsedTs, callee: str | Callable[[str], bool], within: Node | None = None) -> list[Call]:
    """Calls whose callee text equals `callee` (whitespace ignored), or satisfies it when it is a predicate."""
    if callable(callee):
        wanted = callee
    else:
        exact = compact(callee)

        def wanted(name: str) -> bool:
            return name == exact

    return [c for c in all_calls(parsed, within) if wanted(c.callee)]


def strings(parsed: ParsedTs) -> list[tuple[str, int]]:
    """Every string and template literal's value with its line."""

    def find() -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        for node in nodes(parsed, "string", "template_string"):
            value = string_value(node)
            if value is not None:
                found.append((value, line_of(node)))
        return found

    return list(_remembered(parsed, "strings", find))


# --- imports -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Import:
    module: str
    line: int
    names: dict[str, str]  # local name -> imported name ("default" for a default import, "*" for a namespace)
    type_only: bool


def imports(parsed: ParsedTs) -> list[Import]:
    return list(_remembered(parsed, "imports", lambda: _imports(parsed)))


def _imports(parsed: ParsedTs) -> list[Import]:
    found: list[Import] = []
    for statement in parsed.root.named_children:
        if statement.type != "import_statement":
            continue
        source = statement.child_by_field_name("source")
        module = string_value(source) if source is not None else None
        if module is None:
            continue
        type_only = any(child.type == "type" for child in statement.children)
        names: dict[str, str] = {}
        for clause in (c for c in statement.named_children if c.type == "import_clause"):
            for part in clause.named_children:
                if part.type == "identifier":
                    names[text_of(part)] = "default"
                elif part.type == "namespace_import":
                    names[text_of(part.named_children[-1])] = "*"
                elif part.type == "named_imports":
                    for spec in (s for s in part.named_children if s.type == "import_specifier"):
                        imported = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias")
                        if imported is not None:
                            names[text_of(alias or imported)] = text_of(imported)
        found.append(Import(module, line_of(statement), names, type_only))
    return found


# --- literal registries ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expression:
    """A non-literal value inside a literal (an identifier, a call, a spread `...x`): kept as its source text."""

    text: str


@dataclass(frozen=True)
class Value:
    """A literal with its line.

    `value` is dict[str, Value] | list[Value] | str | int | float | bool | None | Expression.

    Object keys keep their source form for computed keys (`[NAME]`) and spreads (`...rest`)."""

    value: object
    line: int

    def plain(self) -> object:
        """The value as plain Python data (Expressions become their text)."""
        if isinstance(self.value, dict):
            return {key: item.plain() for key, item in self.value.items()}
        if isinstance(self.value, list):
            return [item.plain() for item in self.value]
        if isinstance(self.value, Expression):
            return self.value.text
        return self.value


def literal_value(node: Node) -> Value:
    node = unwrap(node)
    line = line_of(node)
    if node.type == "object":
        entries: dict[str, Value] = {}
        for child in node.named_children:
            if child.type == "pair":
                key_node = child.child_by_field_name("key")
                value_node = child.child_by_field_name("value")
                if key_node is None or value_node is None:
                    continue
                key = string_value(key_node)
                entries[key if key is not None else text_of(key_node)] = literal_value(value_node)
            elif child.type in {"shorthand_property_identifier", "spread_element"}:
                entries[text_of(child)] = Value(Expression(text_of(child)), line_of(child))
            elif child.type == "method_definition":
                name = child.child_by_field_name("name")
                entries[text_of(name) if name else text_of(child)] = Value(Expression(text_of(child)), line_of(child))
        return Value(entries, line)
    if node.type == "array":
        return Value([literal_value(item) for item in node.named_children if item.type != "comment"], line)
    text = string_value(node)
    if text is not None and not has_substitution(node):
        return Value(text, line)
    if node.type in {"true", "false"}:
        return Value(node.type == "true", line)
    if node.type in {"null", "undefined"}:
        return Value(None, line)
    if node.type == "number" or (node.type == "unary_expression" and text_of(node).lstrip("-+").strip().isdigit()):
        number = compact(text_of(node)).replace("_", "")
        try:
            return Value(int(number, 0), line)
        except ValueError:
            try:
                return Value(float(number), line)
            except ValueError:
                return Value(Expression(text_of(node)), line)
    return Value(Expression(text_of(node)), line)


def declarations(parsed: ParsedTs) -> dict[str, Node]:
    """Top-level `const|let|var NAME = <value>` (exported or not): name -> value node (first wins)."""
    return dict(_remembered(parsed, "declarations", lambda: _declarations(parsed)))


def _declarations(parsed: ParsedTs) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for statement in parsed.root.named_children:
        target = statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
        if target is None or target.type not in {"lexical_declaration", "variable_declaration"}:
            continue
        for declarator in (d for d in target.named_children if d.type == "variable_declarator"):
            name = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            if name is not None and value is not None and name.type == "identifier":
                found.setdefault(text_of(name), value)
    return found


def literal(parsed: ParsedTs, name: str) -> Value | None:
    """The top-level const `name`'s literal value (through `as const`, `satisfies`, and a wrapping call such as
    `defineRegistry({...})` whose only argument is the literal), or None when `name` is not declared.
    Registries are read by many checks: the value is computed once per file and shared (do not mutate it)."""
    return _remembered(parsed, ("literal", name), lambda: _literal(parsed, name))


def _literal(parsed: ParsedTs, name: str) -> Value | None:
    node = declarations(parsed).get(name)
    if node is None:
        return None
    node = unwrap(node)
    if node.type == "call_expression":
        arguments = arguments_of(node)
        if len(arguments) == 1 and unwrap(arguments[0]).type in {"object", "array"}:
            node = arguments[0]
    return literal_value(node)


# --- routes ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Middleware:
    name: str  # callee text: "requireScope", "idempotency", "zValidator", or an identifier's name
    first_string: str | None
    strings: tuple[str, ...]  # every string-literal argument, e.g. all scopes of requireScope("a", "b")
    line: int


@dataclass(frozen=True)
class Route:
    method: str  # lower case: get, post, put, patch, delete, options, head, or "all" (every method)
    path: str  # as registered on its receiver (see scaffold.parsers.hono for the path a mount serves it at)
    line: int
    middleware: tuple[Middleware, ...]
    handler: Node | None = field(compare=False, repr=False)  # the function node of the handler, resolved in-file
    node: Node = field(compare=False, repr=False)
    receiver: Node | None = field(default=None, compare=False, repr=False)  # `app` in `app.get(...)`

    @property
    def is_mutation(self) -> bool:
        return self.method in MUTATION_METHODS or self.method == "all"

    def uses(self, middleware_name: str) -> Middleware | None:
        return next((m for m in self.middleware if m.name == middleware_name), None)


@dataclass(frozen=True)
class RouteProblem:
    """A call that registers (or looks like it registers) a route the reader cannot read, and why."""

    line: int
    reason: str
    node: Node = field(compare=False, repr=False)
    # `app.openapi(<name>, ...)` whose config `<name>` is not declared in the file: the identifier, which a reader
    # of several files may follow (`openapi_routes`)
    config_name: Node | None = field(default=None, compare=False, repr=False)


def _router_names(parsed: ParsedTs) -> set[str]:
    """Identifiers that hold a Hono app: conventional names, `new Hono(...)` / `new OpenAPIHono(...)`, and
    parameters or variables annotated `Hono<...>`."""
    return set(_remembered(parsed, "router_names", lambda: _find_router_names(parsed)))


def _find_router_names(parsed: ParsedTs) -> set[str]:
    names = set(ROUTER_NAMES)
    declarators: list[tuple[str, Node]] = []
    for node in nodes(parsed, "variable_declarator", "required_parameter", "optional_parameter"):
        annotation = node.child_by_field_name("type")
        name = node.child_by_field_name("pattern") or node.child_by_field_name("name")
        if name is None:
            continue
        if annotation is not None and "Hono" in text_of(annotation):
            names.add(text_of(name))
        value = node.child_by_field_name("value") if node.type == "variable_declarator" else None
        if value is not None and unwrap(value).type in {"new_expression", "call_expression"}:
            declarators.append((text_of(name), unwrap(value)))
    # `const app = new Hono()`, `new Hono().basePath("/v1")`, `const v1 = app.basePath("/v1")`, each name
    # possibly built from one declared after it in the file: repeat until nothing is added
    added = True
    while added:
        added = False
        for declared, value in declarators:
            if declared not in names and _builds_app(value, names):
                names.add(declared)
                added = True
    return names


# methods of a Hono app that return an app (itself, or a copy under a base path)
_APP_CHAIN_METHODS = frozenset({*HTTP_METHODS, "options", "head", "all", "on", "openapi", "use", "route", "basePath"})


def _builds_app(value: Node, names: set[str]) -> bool:
    """Whether an initializer is `new Hono(...)` (any `*Hono*` constructor) or a chain of app methods on one."""
    while value.type == "call_expression":
        function = value.child_by_field_name("function")
        prop = function.child_by_field_name("property") if function is not None else None
        target = function.child_by_field_name("object") if function is not None else None
        if function is None or function.type != "member_expression" or prop is None or target is None:
            return False
        if text_of(prop) not in _APP_CHAIN_METHODS:
            return False
        value = unwrap(target)
    if value.type == "identifier":
        return text_of(value) in names
    constructor = value.child_by_field_name("constructor") if value.type == "new_expression" else None
    return constructor is not None and "Hono" in text_of(constructor)


def _receiver_root(node: Node) -> Node:
    """The innermost object of a call chain: `app` in `app.get(...).post(...)`."""
    while True:
        if node.type == "call_expression":
            node = node.child_by_field_name("function") or node
        elif node.type == "member_expression":
            node = node.child_by_field_name("object") or node
        else:
            return node
        if node.type not in {"call_expression", "member_expression"}:
            return node


def function_declarations(parsed: ParsedTs) -> dict[str, Node]:
    """Named functions of the file: `function f() {}` and `const f = (...) => ...` (any depth; first wins)."""
    return dict(_remembered(parsed, "function_declarations", lambda: _function_declarations(parsed)))


def _function_declarations(parsed: ParsedTs) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for node in nodes(parsed, "function_declaration", "variable_declarator"):
        if node.type == "function_declaration":
            name = node.child_by_field_name("name")
            if name is not None:
                found.setdefault(text_of(name), node)
        elif node.type == "variable_declarator":
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is not None and value is not None and unwrap(value).type in FUNCTION_TYPES:
                found.setdefault(text_of(name), unwrap(value))
    return found


def _middleware(node: Node) -> Middleware:
    node = unwrap(node)
    if node.type == "call_expression":
        arguments = [string_value(a) for a in arguments_of(node)]
        values = tuple(a for a in arguments if a is not None)
        return Middleware(callee_of(node), values[0] if values else None, values, line_of(node))
    return Middleware(compact(text_of(node)), None, (), line_of(node))


def routes(parsed: ParsedTs) -> list[Route]:
    """Every route the file registers on a Hono app, in source order, chained calls included:
    `<app>.<get|post|put|patch|delete|options|head|all>(path, ...middleware, handler)`,
    `<app>.on(method | [methods], path | [paths], ...middleware, handler)` (one Route per method and path), and
    `@hono/zod-openapi`'s `<app>.openapi(createRoute({ method, path, middleware }), handler)` (its `{id}` path
    given as Hono's `:id`).

    The receiver must be a Hono app: a conventional name (app, router, routes, api), a variable created with
    `new Hono(...)` / `new OpenAPIHono(...)`, one annotated `Hono<...>`, or a `new Hono()` chain itself. A path
    must evaluate to a constant string (literals, consts, templates of consts); a registration this cannot read
    is in `route_problems`, not here. The last argument is the handler; an identifier handler is resolved to a
    function declared in the same file. Paths are as registered: mounts and base paths are scaffold.parsers.hono's."""
    return list(_route_reading(parsed)[0])


def route_problems(parsed: ParsedTs) -> list[RouteProblem]:
    """Registrations `routes` could not read (a computed path or method, a route config it cannot see) and calls
    that look like route registrations on a receiver not known to be a Hono app — each with its line and why."""
    return list(_route_reading(parsed)[1])


# Hono's registration methods; `on` takes the methods first and `openapi` a createRoute config.
ROUTE_METHODS = frozenset({*HTTP_METHODS, "options", "head", "all"})
_REGISTRATION_NAMES = (*sorted(ROUTE_METHODS), "on", "openapi")


def _route_reading(parsed: ParsedTs) -> tuple[list[Route], list[RouteProblem]]:
    return _remembered(parsed, "routes", lambda: _read_routes(parsed))


def _read_routes(parsed: ParsedTs) -> tuple[list[Route], list[RouteProblem]]:
    names = _router_names(parsed)
    local_functions = function_declarations(parsed)
    found: list[Route] = []
    problems: list[RouteProblem] = []
    for call in all_calls(parsed):
        # the callee ends with the property, so a call whose callee does not end with a method name is no route
        if not call.callee.endswith(_REGISTRATION_NAMES):
            continue
        node = call.node
        function = node.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            continue
        prop = function.child_by_field_name("property")
        receiver = function.child_by_field_name("object")
        method = text_of(prop) if prop is not None else ""
        if receiver is None or (method not in ROUTE_METHODS and method not in {"on", "openapi"}):
            continue
        arguments = arguments_of(node)
        line = line_of(prop or node)
        if not _is_hono_app(_receiver_root(function), names):
            if _looks_like_registration(method, arguments, local_functions):
                problems.append(
                    RouteProblem(
                        line,
                        f"`{quoted_text(receiver)}.{method}(...)` looks like a route registration, but "
                        f"`{quoted_text(receiver)}` is not known to be a Hono app",
                        node,
                    )
                )
            continue
        if method == "openapi":
            read = _openapi_registration(parsed, arguments)
        elif method == "on":
            read = _on_registration(parsed, arguments)
        elif len(arguments) >= 2:
            paths = _constant_strings(parsed, arguments[0])
            read = (
                ([method], paths, arguments[1:-1], arguments[-1])
                if paths is not None
                else f"the path `{quoted_text(arguments[0])}` is computed: the reader cannot tell what it serves"
            )
        else:
            continue
        if isinstance(read, str):
            name = unwrap(arguments[0]) if method == "openapi" and arguments else None
            undeclared = name if name is not None and name.type == "identifier" else None
            problems.append(RouteProblem(line, f"{quoted_text(receiver)}.{method}(...): {read}", node, undeclared))
            continue
        methods, paths, middleware_nodes, handler_argument = read
        handler_node = unwrap(handler_argument) if handler_argument is not None else None
        if handler_node is not None and handler_node.type == "identifier":
            handler = local_functions.get(text_of(handler_node))
        elif handler_node is not None and handler_node.type in FUNCTION_TYPES:
            handler = handler_node
        else:
            handler = None
        middleware = tuple(_middleware(m) for m in middleware_nodes)
        for registered in methods:
            for path in paths:
                found.append(Route(registered, path, line, middleware, handler, node, receiver))
    return found, problems


_Registration = tuple[list[str], list[str], list[Node], Node | None]


def _is_hono_app(root: Node, names: set[str]) -> bool:
    if root.type == "identifier":
        return text_of(root) in names
    constructor = root.child_by_field_name("constructor") if root.type == "new_expression" else None
    return constructor is not None and "Hono" in text_of(constructor)


def _looks_like_registration(method: str, arguments: list[Node], local_functions: dict[str, Node]) -> bool:
    """Whether a call on an unknown receiver has a route registration's shape: a path, then a handler (a
    function, or the name of one declared in the file); for `on`, HTTP methods first."""
    if len(arguments) < 2:
        return False
    if method == "openapi":
        first = unwrap(arguments[0])
        return first.type == "call_expression" and callee_of(first).endswith("createRoute")
    if method == "on":
        methods = [string_value(unwrap(n)) for n in _items(arguments[0])]
        if not methods or any(m is None or m.lower() not in ROUTE_METHODS for m in methods):
            return False
        arguments = arguments[1:]
    path = string_value(unwrap(arguments[0]))
    last = unwrap(arguments[-1])
    handler = last.type in FUNCTION_TYPES or (last.type == "identifier" and text_of(last) in local_functions)
    return path is not None and path.startswith("/") and len(arguments) >= 2 and handler


def _items(node: Node) -> list[Node]:
    """The elements of an array literal, or the node itself."""
    node = unwrap(node)
    return [n for n in node.named_children if n.type != "comment"] if node.type == "array" else [node]


def _constant_strings(parsed: ParsedTs, node: Node) -> list[str] | None:
    """The strings a path (or method) argument is: one constant, or an array of them; None when any is computed."""
    values = [evaluate_string(parsed, item) for item in _items(node)]
    return None if not values or any(v is None for v in values) else [v for v in values if v is not None]


def _on_registration(parsed: ParsedTs, arguments: list[Node]) -> _Registration | str:
    """`app.on(method | [methods], path | [paths], ...middleware, handler)`."""
    if len(arguments) < 3:
        return "expected methods, a path and a handler"
    methods = _constant_strings(parsed, arguments[0])
    if methods is None:
        return f"the methods `{quoted_text(arguments[0])}` are computed: the reader cannot tell what it serves"
    paths = _constant_strings(parsed, arguments[1])
    if paths is None:
        return f"the path `{quoted_text(arguments[1])}` is computed: the reader cannot tell what it serves"
    return [m.lower() for m in methods], paths, arguments[2:-1], arguments[-1]


def _openapi_registration(
    parsed: ParsedTs, arguments: list[Node], config_file: ParsedTs | None = None, config: Node | None = None
) -> _Registration | str:
    """`app.openapi(createRoute({ method, path, middleware }), handler)`; the config may be a const of the file, or
    (`config_file`, `config`) its value found elsewhere (scaffold.parsers.hono follows imports)."""
    if not arguments:
        return "no route config"
    where = config_file or parsed
    config = unwrap(config if config is not None else arguments[0])
    if config.type == "identifier":
        config = unwrap(declarations(where).get(text_of(config), config))
    if config.type == "call_expression" and callee_of(config).endswith("createRoute") and arguments_of(config):
        config = unwrap(arguments_of(config)[0])
    if config.type != "object":
        return (
            f"the route config `{quoted_text(arguments[0])}` is not a createRoute({{...}}) the reader can see: "
            "it cannot tell what it serves"
        )
    method_node, path_node = object_property(config, "method"), object_property(config, "path")
    method = None if method_node is None else evaluate_string(where, method_node)
    path = None if path_node is None else evaluate_string(where, path_node)
    if method is None or path is None:
        return "the route config's method or path is missing or computed: the reader cannot tell what it serves"
    middleware = object_property(config, "middleware")
    # @hono/zod-openapi turns `/items/{id}` into Hono's `/items/:id` the same way
    hono = re.sub(r"/\{(.+?)\}", r"/:\1", path)
    handler = arguments[1] if len(arguments) > 1 else None
    return [method.lower()], [hono], [] if middleware is None else _items(middleware), handler


def openapi_routes(parsed: ParsedTs, call: Node, config_file: ParsedTs, config: Node) -> list[Route] | str:
    """The routes of `<app>.openapi(<name>, handler)` (`call`, in `parsed`) whose config `<name>` is `config`, a
    value declared in `config_file` — or why they cannot be read. For a config imported from another module."""
    function = call.child_by_field_name("function")
    receiver = function.child_by_field_name("object") if function is not None else None
    prop = function.child_by_field_name("property") if function is not None else None
    read = _openapi_registration(parsed, arguments_of(call), config_file, config)
    if isinstance(read, str):
        return read
    methods, paths, middleware_nodes, handler_argument = read
    handler_node = unwrap(handler_argument) if handler_argument is not None else None
    handler = handler_node if handler_node is not None and handler_node.type in FUNCTION_TYPES else None
    if handler_node is not None and handler_node.type == "identifier":
        handler = function_declarations(parsed).get(text_of(handler_node))
    middleware = tuple(_middleware(m) for m in middleware_nodes)
    line = line_of(prop or call)
    return [Route(m, p, line, middleware, handler, call, receiver) for m in methods for p in paths]


def sets_context_value(parsed: ParsedTs, within: Node | None, key: str) -> bool:
    """Whether `within` (e.g. a route handler) calls `<c>.set("<key>", ...)` — `c.set("audit_event_type", ...)`."""
    if within is None:
        return False
    for call in calls(parsed, lambda name: name.endswith(".set"), within):
        if call.arguments and call.arguments[0].string == key and len(call.arguments) >= 2:
            return True
    return False


# --- transaction scope -------------------------------------------------------------------------------------
def is_transaction_callee(callee: str) -> bool:
    return callee == "transaction" or callee.endswith(".transaction")


def enclosing_functions(node: Node) -> Iterator[Node]:
    current = node.parent
    while current is not None:
        if current.type in FUNCTION_TYPES:
            yield current
        current = current.parent


@dataclass(frozen=True)
class TransactionScope:
    reason: str  # e.g. "inside the db.transaction(...) callback at line 12"
    handles: frozenset[str]  # expressions that name the transaction there: "tx", "c.var.tx", 'c.get("tx")'


def first_parameter(function: Node) -> str | None:
    """The name of a function's first parameter when it is a plain identifier (`tx` of `(tx: Db, ...) =>`)."""
    parameters = function.child_by_field_name("parameters")
    if parameters is None:  # `tx => ...`
        parameter = function.child_by_field_name("parameter")
        return text_of(parameter) if parameter is not None else None
    for parameter in parameters.named_children:
        pattern = parameter.child_by_field_name("pattern") or parameter
        return text_of(pattern) if pattern.type == "identifier" else None
    return None


def function_name(function: Node) -> str | None:
    """A function's name: declared (`function f`, a method `f()`), or the variable it is assigned to
    (`const f = (...) => ...`); None for an anonymous function."""
    name = function.child_by_field_name("name")
    if name is not None and function.type in {"function_declaration", "generator_function", "method_definition"}:
        return text_of(name)
    parent = function.parent
    if parent is not None and parent.type == "variable_declarator" and parent.child_by_field_name("value") == function:
        declared = parent.child_by_field_name("name")
        return text_of(declared) if declared is not None and declared.type == "identifier" else None
    return None


def transaction_scope(parsed: ParsedTs, node: Node) -> TransactionScope | None:
    """Whether `node` runs inside a database transaction, why, and which expressions name that transaction.

    Inside when it sits lexically in a function passed to `<db>.transaction(...)` / `transaction(...)` (or
    `handleOnce(...)`, whose callback gets a transaction) — the handle is the callback's first parameter — or in
    the handler of a route that lists `transactional(...)` among its middleware — the handle is `<c>.var.tx` or
    `<c>.get("tx")`, `<c>` being the handler's first parameter."""
    for function in enclosing_functions(node):
        parent = function.parent
        if parent is None or parent.type != "arguments" or parent.parent is None:
            continue
        if parent.parent.type != "call_expression":
            continue
        callee = callee_of(parent.parent)
        if is_transaction_callee(callee) or callee == platform.KIT_HANDLE_ONCE:
            handle = first_parameter(function)
            return TransactionScope(
                f"inside the {callee}(...) callback at line {line_of(parent.parent)}",
                frozenset({handle} if handle else ()),
            )
    for route in routes(parsed):
        handler = route.handler
        if (
            handler is not None
            and route.uses(platform.KIT_TRANSACTIONAL) is not None
            and handler.start_byte <= node.start_byte
            and node.end_byte <= handler.end_byte
        ):
            context = first_parameter(handler) or "c"
            return TransactionScope(
                f"in the handler of {route.method.upper()} {route.path}, which uses transactional()",
                frozenset({f"{context}.var.tx", f'{context}.get("tx")', f"{context}.get('tx')"}),
            )
    return None


def classes(parsed: ParsedTs) -> list[tuple[str, int, bool]]:
    """Class declarations: (name, line, exported)."""
    found: list[tuple[str, int, bool]] = []
    for node in nodes(parsed, "class_declaration", "abstract_class_declaration"):
        if node.type in {"class_declaration", "abstract_class_declaration"}:
            name = node.child_by_field_name("name")
            if name is not None:
                exported = node.parent is not None and node.parent.type == "export_statement"
                found.append((text_of(name), line_of(node), exported))
    return found


# --- constructions and constant strings (SST infra: `new sst.aws.Service(...)`, hostnames per stage) --------
@dataclass(frozen=True)
class Construction:
    """A `new <constructor>(...)` expression, e.g. `new aws.cloudwatch.MetricAlarm("ErrorRate", {...})`."""

    constructor: str  # compacted text: "sst.Secret", "aws.cloudwatch.MetricAlarm"
    arguments: tuple[Argument, ...]
    line: int
    variable: str | None  # `const <variable> = new ...(...)`, else None
    node: Node = field(compare=False, repr=False)

    def first_string(self) -> str | None:
        return self.arguments[0].string if self.arguments else None

    def options(self) -> Value | None:
        """The object literal among the arguments (SST/Pulumi's `args`), as a Value; None when there is none."""
        node = self.options_node()
        return None if node is None else literal_value(node)

    def options_node(self) -> Node | None:
        return next((unwrap(a.node) for a in self.arguments if unwrap(a.node).type == "object"), None)

    def option(self, *keys: str) -> Node | None:
        """The value node at `keys` in the options object (`option("loadBalancer", "domain", "name")`), or None."""
        node = self.options_node()
        for key in keys:
            node = None if node is None else object_property(node, key)
        return node


def object_property(node: Node, key: str) -> Node | None:
    """The value node of property `key` in an object literal (`{ key: v }`, `{ "key": v }`, `{ [key]: v }`)."""
    node = unwrap(node)
    if node.type != "object":
        return None
    for pair in (child for child in node.named_children if child.type == "pair"):
        key_node = pair.child_by_field_name("key")
        value = pair.child_by_field_name("value")
        if key_node is None or value is None:
            continue
        name = string_value(key_node) if key_node.type == "string" else compact(text_of(key_node))
        if name == key:
            return unwrap(value)
    return None


def declared_name(node: Node) -> str | None:
    """The variable whose initializer holds `node` (`const x = <...node...>`), or None."""
    current: Node | None = node
    while current is not None:
        if current.type == "variable_declarator":
            name = current.child_by_field_name("name")
            return text_of(name) if name is not None and name.type == "identifier" else None
        if current.type in FUNCTION_TYPES or current.type in {"statement_block", "program"}:
            return None
        current = current.parent
    return None


def variable_declarator(parsed: ParsedTs, name: str) -> Node | None:
    """The first `name = ...` declarator at any depth (e.g. `const services = [...]` inside `run()`), or None."""
    for node in nodes(parsed, "variable_declarator"):
        if node.type == "variable_declarator":
            declared = node.child_by_field_name("name")
            if declared is not None and text_of(declared) == name:
                return node
    return None


def constructions(parsed: ParsedTs, constructor: str | Callable[[str], bool] | None = None) -> list[Construction]:
    """`new X(...)` expressions in source order, all of them or those whose constructor text equals `constructor`
    (whitespace ignored) or satisfies it when it is a predicate."""
    if constructor is None or callable(constructor):
        wanted = constructor
    else:
        exact = compact(constructor)

        def wanted(name: str) -> bool:
            return name == exact

    found: list[Construction] = []
    for node in nodes(parsed, "new_expression"):
        target = node.child_by_field_name("constructor")
        name = compact(text_of(target)) if target is not None else ""
        if wanted is not None and not wanted(name):
            continue
        found.append(
            Construction(
                name, tuple(_argument(a) for a in arguments_of(node)), line_of(node), declared_name(node), node
            )
        )
    return found


def evaluate_string(parsed: ParsedTs, node: Node, bindings: dict[str, str] | None = None) -> str | None:
    """The string an expression always evaluates to, or None when it is not a constant.

    Follows string and template literals, `+`, `cond ? a : b` with an `===` / `!==` test, and identifiers bound to
    top-level consts. `bindings` supplies values for expressions by their text (e.g. `{"$app.stage": "dev"}`),
    which is how one expression is evaluated for each deployment stage."""
    return _evaluate(parsed, node, bindings or {}, declarations(parsed), 0)


def _evaluate(
    parsed: ParsedTs, node: Node, bindings: dict[str, str], consts: dict[str, Node], depth: int
) -> str | None:
    if depth > 20:
        return None
    node = unwrap(node)
    text = compact(text_of(node))
    if text in bindings:
        return bindings[text]

    def again(child: Node | None) -> str | None:
        return None if child is None else _evaluate(parsed, child, bindings, consts, depth + 1)

    if node.type == "string":
        return string_value(node)
    if node.type == "template_string":
        parts: list[str] = []
        for child in node.children:
            if child.type == "template_substitution":
                inner = again(child.named_children[0] if child.named_children else None)
                if inner is None:
                    return None
                parts.append(inner)
            elif child.type not in {"`"}:
                parts.append(text_of(child))
        return "".join(parts)
    if node.type == "identifier" and text in consts:
        return again(consts[text])
    if node.type in {"member_expression", "subscript_expression"}:
        target = _const_object(node, consts, depth)
        return again(target)
    if node.type == "ternary_expression":
        condition = unwrap(node.child_by_field_name("condition") or node)
        operator = condition.child_by_field_name("operator")
        if condition.type != "binary_expression" or operator is None:
            return None
        left, right = again(condition.child_by_field_name("left")), again(condition.child_by_field_name("right"))
        if left is None or right is None or text_of(operator) not in {"===", "==", "!==", "!="}:
            return None
        holds = (left == right) == (text_of(operator) in {"===", "=="})
        return again(node.child_by_field_name("consequence" if holds else "alternative"))
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        if operator is not None and text_of(operator) == "+":
            left, right = again(node.child_by_field_name("left")), again(node.child_by_field_name("right"))
            return None if left is None or right is None else left + right
    return None


def _const_object(node: Node, consts: dict[str, Node], depth: int) -> Node | None:
    """The value node of `obj.key` / `obj["key"]` when `obj` is a top-level const bound to an object literal."""
    if depth > 20:
        return None
    if node.type == "identifier":
        bound = consts.get(text_of(node))
        return None if bound is None else unwrap(bound)
    if node.type == "member_expression":
        key_node = node.child_by_field_name("property")
        key = text_of(key_node) if key_node is not None else None
    elif node.type == "subscript_expression":
        key_node = node.child_by_field_name("index")
        key = string_value(unwrap(key_node)) if key_node is not None else None
    else:
        return None
    holder = node.child_by_field_name("object")
    container = None if holder is None else _const_object(unwrap(holder), consts, depth + 1)
    return None if container is None or key is None else object_property(container, key)


def possible_objects(parsed: ParsedTs, node: Node) -> list[Value]:
    """The object literals an expression can be: itself, both branches of `a ? b : c`, a const it names."""
    consts = declarations(parsed)
    found: list[Value] = []
    pending, seen = [node], 0
    while pending and seen < 50:
        current, seen = unwrap(pending.pop(0)), seen + 1
        if current.type == "object":
            found.append(literal_value(current))
        elif current.type == "ternary_expression":
            pending += [
                c for c in (current.child_by_field_name("consequence"), current.child_by_field_name("alternative")) if c
            ]
        elif current.type == "identifier" and text_of(current) in consts:
            pending.append(consts[text_of(current)])
    return found


def property_keys(parsed: ParsedTs) -> list[tuple[str, int]]:
    """Every property key written in an object literal (`{ KEY: ... }`, `{ "KEY": ... }`), with its line."""
    return list(_remembered(parsed, "property_keys", lambda: _property_keys(parsed)))


def _property_keys(parsed: ParsedTs) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in nodes(parsed, "pair"):
        if node.type == "pair":
            key = node.child_by_field_name("key")
            name = None if key is None else string_value(key) if key.type == "string" else text_of(key)
            if key is not None and name is not None:
                found.append((name, line_of(key)))
    return found


def member_properties(parsed: ParsedTs, object_text: str) -> list[tuple[str, int]]:
    """Properties read from an object by name: `process.env.X` and `process.env["X"]` for "process.env"."""
    wanted = compact(object_text)
    return list(_remembered(parsed, ("member_properties", wanted), lambda: _member_properties(parsed, wanted)))


def _member_properties(parsed: ParsedTs, wanted: str) -> list[tuple[str, int]]:
    # A holder spanning fewer bytes than `wanted` cannot be it (compacting only drops whitespace): most are
    # ruled out without decoding their text.
    least = len(wanted.encode("utf-8"))
    found: list[tuple[str, int]] = []
    for node in nodes(parsed, "member_expression", "subscript_expression"):
        holder = (
            node.child_by_field_name("object") if node.type in {"member_expression", "subscript_expression"} else None
        )
        if holder is None or holder.end_byte - holder.start_byte < least or compact(text_of(holder)) != wanted:
            continue
        if node.type == "member_expression":
            key = node.child_by_field_name("property")
            name = text_of(key) if key is not None else None
        else:
            index = node.child_by_field_name("index")
            name = string_value(unwrap(index)) if index is not None else None
        if name:
            found.append((name, line_of(node)))
    return found


# --- type declarations (openapi-typescript's `export interface paths { ... }`) ------------------------------
@dataclass(frozen=True)
class TypeMember:
    name: str  # the property name, string keys unquoted: "/items/{id}", "get"
    optional: bool
    type_text: str  # compacted: `operations["getItem"]`, `never`
    line: int
    node: Node = field(compare=False, repr=False)  # the member's type node

    @property
    def members(self) -> list[TypeMember]:
        """The members of this member's object type (`{ get: ...; post?: never }`), or [] for other types."""
        return _object_type_members(self.node)


def _object_type_members(body: Node | None) -> list[TypeMember]:
    if body is None or body.type not in {"object_type", "interface_body"}:
        return []
    found: list[TypeMember] = []
    for member in (c for c in body.named_children if c.type == "property_signature"):
        name_node = member.child_by_field_name("name")
        annotation = member.child_by_field_name("type")
        type_node = annotation.named_children[0] if annotation is not None and annotation.named_children else None
        if name_node is None or type_node is None:
            continue
        name = string_value(name_node) if name_node.type == "string" else text_of(name_node)
        optional = any(child.type == "?" for child in member.children)
        found.append(TypeMember(name or "", optional, compact(text_of(type_node)), line_of(member), type_node))
    return found


def type_members(parsed: ParsedTs, name: str) -> list[TypeMember] | None:
    """The members of a top-level `interface <name> {...}` or `type <name> = {...}`; None when not declared."""
    for statement in parsed.root.named_children:
        target = statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
        if target is None or target.type not in {"interface_declaration", "type_alias_declaration"}:
            continue
        declared = target.child_by_field_name("name")
        if declared is None or text_of(declared) != name:
            continue
        body = target.child_by_field_name("body") or target.child_by_field_name("value")
        return _object_type_members(body)
    return None
