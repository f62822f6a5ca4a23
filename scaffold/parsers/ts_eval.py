"""A small partial evaluator for TypeScript: what a reviewer works out by reading a file such as infra.ts.

It runs a file's top-level statements over literal values: constants, object and array literals (with spreads and
computed keys), template literals, `+`, `a ? b : c` with an `===`/`!==` test, `a ?? b`, functions (declared or
arrow) called with values it knows, `for (const x of [...])` and `.map`/`.forEach`/`Object.entries` over arrays it
knows, and `new X(...)`. Every construction it reaches is recorded with the values of its arguments and the line of
the top-level call that built it (an alarm made by a helper is reported where the helper is called).

Whatever it cannot know is an `Unknown` carrying the source text and why; a `new X(...)` it never reaches (a
function nobody calls with readable values, a loop over an unknown array) is listed in `Run.unreached`, so a check
can say where its reading stopped instead of passing. Knows nothing of the platform; imports nothing of ours but
the TypeScript parser.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from scaffold.parsers.typescript import ParsedTs, compact, line_of, nodes, string_value, text_of, unwrap

_MAX_DEPTH = 40
_TEXT_KINDS = frozenset(
    {
        "number",
        "identifier",
        "member_expression",
        "subscript_expression",
        "ternary_expression",
        "binary_expression",
        "unary_expression",
        "call_expression",
    }
)
_MAX_STEPS = 20_000


@dataclass(frozen=True)
class Unknown:
    """A value the evaluator could not work out: its source text and why."""

    text: str
    reason: str = "not a constant"


@dataclass(eq=False)
class Constructed:
    """One `new <constructor>(...)` the run reached, with its arguments' values."""

    constructor: str  # compacted text: "sst.Secret", "aws.cloudwatch.MetricAlarm"
    arguments: list[object]
    line: int  # the `new` expression's line when built at top level, else the line of the top-level call
    node: Node = field(repr=False)
    variable: str | None = None  # the name it is bound to (`const x = new ...`, or an object's key path `secrets.x`)

    def first_string(self) -> str | None:
        return self.arguments[0] if self.arguments and isinstance(self.arguments[0], str) else None

    def options(self) -> dict[str, object]:
        return next((a for a in self.arguments if isinstance(a, dict)), {})

    def option(self, *keys: str) -> object:
        value: object = self.options()
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value


@dataclass(frozen=True)
class Ref:
    """A property read from a construction: `critical.arn`, `web.nodes.loadBalancer.arnSuffix`."""

    target: Constructed
    path: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join((self.target.variable or self.target.constructor, *self.path))


@dataclass(frozen=True)
class Function:
    node: Node = field(repr=False)
    scope: Scope = field(repr=False)


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.values: dict[str, object] = {}
        self.parent = parent

    def get(self, name: str) -> object:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return Unknown(name, f"`{name}` is not a constant this file declares")


@dataclass
class Run:
    """The outcome of running a file: top-level bindings, every construction reached, those never reached."""

    scope: Scope
    constructed: list[Constructed]
    unreached: list[tuple[Node, str]]  # (a `new` expression, why the run did not reach it)
    parsed: ParsedTs = field(repr=False)
    bindings: dict[str, object] = field(default_factory=dict, repr=False)

    def evaluate(self, node: Node) -> object:
        """The value of an expression of the file over the top-level bindings (e.g. a test table's rows)."""
        return _Evaluator(self.parsed, self.bindings).value(node, self.scope)

    def lookup(self, expression: str) -> object:
        """The value of a dotted path over top-level bindings (`secrets.sentryDsn`), Unknown when not known."""
        parts = compact(expression).split(".")
        value = self.scope.get(parts[0])
        for part in parts[1:]:
            value = _member(value, part)
        return value


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Evaluator:
    def __init__(self, parsed: ParsedTs, bindings: dict[str, object]) -> None:
        self.parsed = parsed
        self.bindings = bindings
        self.constructed: list[Constructed] = []
        self.reached: set[int] = set()
        self.skipped: dict[int, str] = {}  # start byte of a block not run -> why
        self.call_lines: list[int] = []
        self.depth = 0
        self.steps = 0

    # --- statements -------------------------------------------------------------------------------------
    def execute_all(self, statements: list[Node], scope: Scope) -> None:
        for statement in statements:
            if statement.type == "function_declaration":
                self._declare_function(statement, scope)
        for statement in statements:
            self.execute(statement, scope)

    def _declare_function(self, node: Node, scope: Scope) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            scope.values[text_of(name)] = Function(node, scope)

    def execute(self, node: Node, scope: Scope) -> None:
        self.steps += 1
        if self.steps > _MAX_STEPS:
            self._skip(node, "the file is too large to evaluate")
            return
        kind = node.type
        if kind == "export_statement":
            inner = node.child_by_field_name("declaration")
            if inner is not None:
                if inner.type == "function_declaration":
                    self._declare_function(inner, scope)
                self.execute(inner, scope)
            else:
                for child in node.named_children:
                    if child.type not in {"export_clause", "string", "comment"}:
                        self.value(child, scope)
        elif kind in {"lexical_declaration", "variable_declaration"}:
            for declarator in (d for d in node.named_children if d.type == "variable_declarator"):
                target = declarator.child_by_field_name("name")
                initial = declarator.child_by_field_name("value")
                value = self.value(initial, scope) if initial is not None else None
                if target is not None:
                    if isinstance(value, Constructed) and target.type == "identifier" and value.variable is None:
                        value.variable = text_of(target)
                    self._bind(target, value, scope)
        elif kind == "expression_statement":
            for child in node.named_children:
                self.value(child, scope)
        elif kind == "statement_block":
            self.execute_all(list(node.named_children), Scope(scope))
        elif kind == "for_in_statement":
            self._for_of(node, scope)
        elif kind == "if_statement":
            condition = self.value(node.child_by_field_name("condition"), scope)
            consequence = node.child_by_field_name("consequence")
            alternative = node.child_by_field_name("alternative")
            if isinstance(condition, Unknown):
                for branch in (consequence, alternative):
                    if branch is not None:
                        self._skip(branch, f"the condition `{condition.text}` is not a constant")
                return
            branch = consequence if condition else alternative
            if branch is not None:
                self.execute(branch.named_children[0] if branch.type == "else_clause" else branch, scope)
        elif kind == "return_statement":
            expression = node.named_children[0] if node.named_children else None
            raise _Return(self.value(expression, scope) if expression is not None else None)
        elif kind in {"function_declaration", "comment", "import_statement", "empty_statement"} or kind in {
            "interface_declaration",
            "type_alias_declaration",
            "enum_declaration",
        }:
            return
        else:
            self._skip(node, f"a `{kind}` statement is not evaluated")

    def _for_of(self, node: Node, scope: Scope) -> None:
        body = node.child_by_field_name("body")
        iterable = self.value(node.child_by_field_name("right"), scope)
        target = node.child_by_field_name("left")
        is_of = any(child.type == "of" for child in node.children)
        if not is_of or not isinstance(iterable, list) or target is None or body is None:
            if body is not None:
                why = iterable.reason if isinstance(iterable, Unknown) else "the loop is not over a known array"
                self._skip(body, why)
            return
        for item in iterable:
            inner = Scope(scope)
            self._bind(target, item, inner)
            self.execute(body, inner)

    def _skip(self, node: Node, why: str) -> None:
        self.skipped.setdefault(node.start_byte, why)

    def _bind(self, target: Node, value: object, scope: Scope) -> None:
        target = unwrap(target)
        if target.type in {"identifier", "shorthand_property_identifier_pattern"}:
            scope.values[text_of(target)] = value
        elif target.type == "object_pattern":
            for part in target.named_children:
                if part.type == "shorthand_property_identifier_pattern":
                    scope.values[text_of(part)] = _member(value, text_of(part))
                elif part.type == "pair_pattern":
                    key, inner = part.child_by_field_name("key"), part.child_by_field_name("value")
                    if key is not None and inner is not None:
                        self._bind(inner, _member(value, string_value(key) or text_of(key)), scope)
                elif part.type == "object_assignment_pattern":
                    left, right = part.child_by_field_name("left"), part.child_by_field_name("right")
                    if left is not None:
                        found = _member(value, text_of(left))
                        if isinstance(found, Unknown) and right is not None:
                            found = self.value(right, scope)
                        self._bind(left, found, scope)
        elif target.type == "array_pattern":
            items = value if isinstance(value, list) else []
            for index, part in enumerate(p for p in target.named_children if p.type != "comment"):
                self._bind(part, items[index] if index < len(items) else Unknown(text_of(part)), scope)
        elif target.type == "assignment_pattern":
            left, right = target.child_by_field_name("left"), target.child_by_field_name("right")
            if value is None and right is not None:
                value = self.value(right, scope)
            if left is not None:
                self._bind(left, value, scope)
        else:
            for name in nodes(self.parsed, "identifier", within=target):
                scope.values[text_of(name)] = Unknown(text_of(name), "bound by a pattern the evaluator does not read")

    # --- expressions ------------------------------------------------------------------------------------
    def value(self, node: Node | None, scope: Scope) -> object:
        if node is None:
            return Unknown("", "nothing to evaluate")
        self.depth += 1
        try:
            if self.depth > _MAX_DEPTH:
                return Unknown(text_of(node), "nested too deeply to evaluate")
            return self._value(unwrap(node), scope)
        finally:
            self.depth -= 1

    def _value(self, node: Node, scope: Scope) -> object:
        kind = node.type
        # The source text is only worked out where it is used: decoding every object literal's text at every level
        # made a run quadratic in the file's size.
        text = compact(text_of(node)) if kind in _TEXT_KINDS else ""
        if text in self.bindings:
            return self.bindings[text]
        if kind == "string":
            return string_value(node)
        if kind == "number":
            number = text.replace("_", "")
            try:
                return int(number, 0)
            except ValueError:
                try:
                    return float(number)
                except ValueError:
                    return Unknown(text)
        if kind in {"true", "false"}:
            return kind == "true"
        if kind in {"null", "undefined"}:
            return None
        if kind == "template_string":
            return self._template(node, scope)
        if kind == "identifier":
            return scope.get(text)
        if kind == "object":
            return self._object(node, scope)
        if kind == "array":
            return self._array(node, scope)
        if kind == "member_expression":
            holder = self.value(node.child_by_field_name("object"), scope)
            key = node.child_by_field_name("property")
            return _member(holder, text_of(key) if key is not None else "", text)
        if kind == "subscript_expression":
            holder = self.value(node.child_by_field_name("object"), scope)
            index = self.value(node.child_by_field_name("index"), scope)
            if isinstance(index, Unknown):
                return Unknown(text, index.reason)
            return _member(holder, index if isinstance(index, str) else str(index), text)
        if kind == "ternary_expression":
            condition = self.value(node.child_by_field_name("condition"), scope)
            if isinstance(condition, Unknown):
                return Unknown(text, condition.reason)
            return self.value(node.child_by_field_name("consequence" if condition else "alternative"), scope)
        if kind == "binary_expression":
            return self._binary(node, scope, text)
        if kind == "unary_expression":
            operator = node.child_by_field_name("operator")
            operand = self.value(node.child_by_field_name("argument"), scope)
            if operator is not None and text_of(operator) == "!" and not isinstance(operand, Unknown):
                return not operand
            if operator is not None and text_of(operator) == "-" and isinstance(operand, int | float):
                return -operand
            return Unknown(text)
        if kind in {"arrow_function", "function_expression", "function"}:
            return Function(node, scope)
        if kind == "new_expression":
            return self._new(node, scope)
        if kind == "call_expression":
            return self._call(node, scope, text)
        if kind == "assignment_expression":
            return self.value(node.child_by_field_name("right"), scope)
        return Unknown(compact(text_of(node)), f"a `{kind}` is not evaluated")

    def _template(self, node: Node, scope: Scope) -> object:
        parts: list[str] = []
        for child in node.children:
            if child.type == "template_substitution":
                inner = self.value(child.named_children[0] if child.named_children else None, scope)
                if isinstance(inner, Unknown):
                    return Unknown(text_of(node), inner.reason)
                parts.append(_to_string(inner))
            elif child.type != "`":
                parts.append(text_of(child))
        return "".join(parts)

    def _object(self, node: Node, scope: Scope) -> dict[str, object]:
        result: dict[str, object] = {}
        for child in node.named_children:
            if child.type == "pair":
                key_node, value_node = child.child_by_field_name("key"), child.child_by_field_name("value")
                if key_node is None or value_node is None:
                    continue
                if key_node.type == "computed_property_name":
                    key = self.value(key_node.named_children[0] if key_node.named_children else None, scope)
                    key_text = _to_string(key) if not isinstance(key, Unknown) else f"[{key.text}]"
                else:
                    key_text = string_value(key_node) or text_of(key_node)
                value = self.value(value_node, scope)
                if isinstance(value, Constructed) and value.variable is None:
                    value.variable = key_text
                result[key_text] = value
            elif child.type == "shorthand_property_identifier":
                result[text_of(child)] = scope.get(text_of(child))
            elif child.type == "spread_element":
                spread = self.value(child.named_children[0] if child.named_children else None, scope)
                if isinstance(spread, dict):
                    result.update(spread)
                else:
                    result[text_of(child)] = Unknown(text_of(child), "a spread of a value that is not known")
            elif child.type == "method_definition":
                name = child.child_by_field_name("name")
                result[text_of(name) if name is not None else text_of(child)] = Function(child, scope)
        return result

    def _array(self, node: Node, scope: Scope) -> object:
        items: list[object] = []
        for child in node.named_children:
            if child.type == "comment":
                continue
            if child.type == "spread_element":
                spread = self.value(child.named_children[0] if child.named_children else None, scope)
                if not isinstance(spread, list):
                    return Unknown(text_of(node), f"a spread of `{text_of(child)[3:]}`, not a known array")
                items.extend(spread)
            else:
                items.append(self.value(child, scope))
        return items

    def _binary(self, node: Node, scope: Scope, text: str) -> object:
        operator_node = node.child_by_field_name("operator")
        operator = text_of(operator_node) if operator_node is not None else ""
        left = self.value(node.child_by_field_name("left"), scope)
        if operator == "??":
            return self.value(node.child_by_field_name("right"), scope) if left is None else left
        right = self.value(node.child_by_field_name("right"), scope)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            unknown = left if isinstance(left, Unknown) else right
            assert isinstance(unknown, Unknown)
            return Unknown(text, unknown.reason)
        if operator in {"===", "=="}:
            return left == right
        if operator in {"!==", "!="}:
            return left != right
        if operator == "+":
            if isinstance(left, str) or isinstance(right, str):
                return _to_string(left) + _to_string(right)
            if isinstance(left, int | float) and isinstance(right, int | float):
                return left + right
        if operator in {"*", "-"} and isinstance(left, int | float) and isinstance(right, int | float):
            return left * right if operator == "*" else left - right
        if operator == "&&":
            return right if left else left
        if operator == "||":
            return left if left else right
        return Unknown(text, f"the operator `{operator}` is not evaluated")

    def _new(self, node: Node, scope: Scope) -> object:
        target = node.child_by_field_name("constructor")
        arguments_node = node.child_by_field_name("arguments")
        arguments = (
            [self.value(a, scope) for a in arguments_node.named_children if a.type != "comment"]
            if arguments_node is not None
            else []
        )
        built = Constructed(
            compact(text_of(target)) if target is not None else "",
            arguments,
            self.call_lines[0] if self.call_lines else line_of(node),
            node,
        )
        self.reached.add(node.start_byte)
        self.constructed.append(built)
        return built

    def _call(self, node: Node, scope: Scope, text: str) -> object:
        callee = unwrap(node.child_by_field_name("function") or node)
        arguments_node = node.child_by_field_name("arguments")
        raw = [a for a in arguments_node.named_children if a.type != "comment"] if arguments_node is not None else []
        if callee.type == "member_expression":
            method_node = callee.child_by_field_name("property")
            method = text_of(method_node) if method_node is not None else ""
            holder_text = compact(text_of(callee.child_by_field_name("object") or callee))
            if holder_text == "Object" and method in {"entries", "keys", "values"} and raw:
                holder = self.value(raw[0], scope)
                if isinstance(holder, dict):
                    listing = {"entries": [[k, v] for k, v in holder.items()], "keys": list(holder)}
                    return listing.get(method, list(holder.values()))
                return Unknown(text, f"`{text_of(raw[0])}` is not a known object")
            holder = self.value(callee.child_by_field_name("object"), scope)
            if method in {"map", "forEach", "flatMap"} and isinstance(holder, list) and raw:
                function = self.value(raw[0], scope)
                if isinstance(function, Function):
                    results = [self._invoke(function, [item, index], node) for index, item in enumerate(holder)]
                    if method == "flatMap":
                        return [r for result in results for r in (result if isinstance(result, list) else [result])]
                    return results if method == "map" else None
        function = self.value(callee, scope)
        if isinstance(function, Function):
            return self._invoke(function, [self.value(a, scope) for a in raw], node)
        # An unknown call: its arguments are still evaluated, so a `new` inside them is reached.
        for argument in raw:
            value = self.value(argument, scope)
            if isinstance(value, Function):
                self._skip(value.node, f"passed to `{compact(text_of(callee))}`, which the evaluator cannot follow")
        return Unknown(text, f"the result of `{compact(text_of(callee))}(...)`")

    def _invoke(self, function: Function, arguments: list[object], call: Node) -> object:
        if self.depth > _MAX_DEPTH:
            return Unknown(text_of(call), "calls nested too deeply to evaluate")
        node = function.node
        scope = Scope(function.scope)
        parameters = node.child_by_field_name("parameters")
        single = node.child_by_field_name("parameter")
        params = [single] if single is not None else (list(parameters.named_children) if parameters else [])
        for index, parameter in enumerate(p for p in params if p.type != "comment"):
            pattern = parameter.child_by_field_name("pattern") or parameter
            value = arguments[index] if index < len(arguments) else None
            default = parameter.child_by_field_name("value")
            if value is None and default is not None:
                value = self.value(default, scope)
            self._bind(pattern, value, scope)
        body = node.child_by_field_name("body")
        self.call_lines.append(line_of(call))
        try:
            if body is None:
                return Unknown(text_of(call))
            if body.type != "statement_block":
                return self.value(body, scope)
            try:
                self.execute_all(list(body.named_children), scope)
            except _Return as returned:
                return returned.value
            return None
        finally:
            self.call_lines.pop()


def _member(holder: object, key: str, text: str | None = None) -> object:
    if isinstance(holder, dict):
        return holder.get(key, Unknown(text or key, f"`{key}` is not a property of a known object"))
    if isinstance(holder, list):
        if key == "length":
            return len(holder)
        return holder[int(key)] if key.isdigit() and int(key) < len(holder) else Unknown(text or key)
    if isinstance(holder, Constructed):
        return Ref(holder, (key,))
    if isinstance(holder, Ref):
        return Ref(holder.target, (*holder.path, key))
    if isinstance(holder, Unknown):
        return Unknown(f"{holder.text}.{key}" if text is None else text, holder.reason)
    return Unknown(text or key, f"`{key}` of a value that is not an object")


def _to_string(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def run(parsed: ParsedTs, bindings: dict[str, object] | None = None) -> Run:
    """Run the top-level statements of `parsed`; `bindings` gives values to expressions by their text
    (`{"$app.stage": "dev"}`)."""
    evaluator = _Evaluator(parsed, dict(bindings or {}))
    scope = Scope()
    with contextlib.suppress(_Return):  # a top-level `return` (not valid TypeScript) ends the run
        evaluator.execute_all(list(parsed.root.named_children), scope)
    unreached: list[tuple[Node, str]] = []
    for new in nodes(parsed, "new_expression"):
        if new.start_byte in evaluator.reached:
            continue
        unreached.append((new, _why_unreached(new, evaluator.skipped)))
    return Run(scope, evaluator.constructed, unreached, parsed, evaluator.bindings)


def _why_unreached(node: Node, skipped: dict[int, str]) -> str:
    for ancestor in _ancestors(node):
        if ancestor.start_byte in skipped:
            return skipped[ancestor.start_byte]
    for ancestor in _ancestors(node):
        if ancestor.type in {"function_declaration", "arrow_function", "function_expression", "method_definition"}:
            name = ancestor.child_by_field_name("name")
            what = f"`{text_of(name)}`" if name is not None else "the function around it"
            return f"built in {what}, which is never called with values the evaluator can read"
    return "not reached by the evaluator"


def _ancestors(node: Node) -> Iterator[Node]:
    current = node.parent
    while current is not None:
        yield current
        current = current.parent
