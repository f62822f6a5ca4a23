"""Insertions into TypeScript code (not registries): a statement into a function body, an element into a one-line
array. tree-sitter finds the spot; the edit inserts whole lines (or, for a one-line array, text before its `]`), so
everything else stays byte for byte. Each function returns the text unchanged when what it adds is there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from tree_sitter import Node

from scaffold.edits.typescript_registries import _indent_at, _line_start, _literal_of, _parse
from scaffold.errors import ScaffoldError
from scaffold.parsers.typescript import ParsedTs, text_of, walk


def _normalised(text: str) -> str:
    return "".join(text.split())


def _function_body(parsed: ParsedTs, name: str, path: str) -> Node:
    """The statement block of `function name` or `const name = (...) => { ... }` anywhere in the file."""
    for node in walk(parsed.root):
        if node.type == "function_declaration":
            identifier = node.child_by_field_name("name")
            if identifier is not None and text_of(identifier) == name:
                body = node.child_by_field_name("body")
                if body is not None:
                    return body
        if node.type == "variable_declarator":
            identifier = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if identifier is not None and value is not None and text_of(identifier) == name:
                body = value.child_by_field_name("body")
                if body is not None and body.type == "statement_block":
                    return body
    raise ScaffoldError(f"{path}: no function `{name}` with a block body to add to")


def _statements(body: Node) -> list[Node]:
    return [child for child in body.named_children if child.type != "comment"]


def function_statement_blocks(text: str, path: str, function_name: str) -> list[str]:
    """The function's statements, each with the comment lines right above it, as source text (dedented lines
    kept as written). For taking one statement out of a rendered template to insert it elsewhere."""
    parsed = _parse(text, path)
    body = _function_body(parsed, function_name, path)
    blocks: list[str] = []
    start: int | None = None
    for child in body.named_children:
        if child.type == "comment":
            start = _line_start(parsed.source, child.start_byte) if start is None else start
            continue
        begin = start if start is not None else _line_start(parsed.source, child.start_byte)
        blocks.append(parsed.source[begin : child.end_byte].decode("utf-8"))
        start = None
    return blocks


def add_statement_to_function(text: str, path: str, function_name: str, block: str) -> str:
    """Append `block` (one statement, maybe with comment lines above it, indented as it should stand) at the end
    of the function's body, after a blank line; unchanged when an equal statement is there."""
    parsed = _parse(text, path)
    body = _function_body(parsed, function_name, path)
    wanted = _normalised(_without_comments(block))
    if any(_normalised(text_of(statement)) == wanted for statement in _statements(body)):
        return text
    source = parsed.source
    closing = body.end_byte - 1
    offset = _line_start(source, closing)
    if source[offset:closing].strip():
        raise ScaffoldError(
            f"{path}: the body of `{function_name}` ends on a line with code; put its `}}` on a line of its own"
        )
    separator = b"\n" if _statements(body) else b""
    new = source[:offset] + separator + block.rstrip("\n").encode("utf-8") + b"\n" + source[offset:]
    return new.decode("utf-8")


def _without_comments(block: str) -> str:
    return "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("//"))


def add_statement_after(text: str, path: str, function_name: str, statement: str, after: Callable[[str], bool]) -> str:
    """Insert `statement` on its own line right after the last statement of the function for which `after(its
    text)` holds; unchanged when an equal statement is there."""
    parsed = _parse(text, path)
    body = _function_body(parsed, function_name, path)
    statements = _statements(body)
    if any(_normalised(text_of(s)) == _normalised(statement) for s in statements):
        return text
    anchors = [s for s in statements if after(text_of(s))]
    if not anchors:
        raise ScaffoldError(f"{path}: found no statement in `{function_name}` to add `{statement}` after")
    anchor = anchors[-1]
    source = parsed.source
    offset = source.find(b"\n", anchor.end_byte) + 1 or len(source)
    indent = _indent_at(source, anchor.start_byte)
    return (source[:offset] + indent + statement.encode("utf-8") + b"\n" + source[offset:]).decode("utf-8")


def add_array_element_anywhere(text: str, path: str, const_name: str, element: str) -> str:
    """Append `element` to the array literal `const_name`, also when the literal is written on one line
    (`["a", "b"]` → `["a", "b", element]`); unchanged when an equal element is there."""
    parsed = _parse(text, path)
    literal = _literal_of(parsed, const_name, "array", path)
    elements = [c for c in literal.named_children if c.type != "comment"]
    if any(_normalised(text_of(e)) == _normalised(element) for e in elements):
        return text
    source = parsed.source
    closing = literal.end_byte - 1
    if b"\n" in source[literal.start_byte : literal.end_byte]:
        from scaffold.edits.typescript_registries import add_array_element

        return add_array_element(text, path, const_name, element)
    if elements:
        insert_at, addition = elements[-1].end_byte, f", {element}"
    else:
        insert_at, addition = closing, element
    return (source[:insert_at] + addition.encode("utf-8") + source[insert_at:]).decode("utf-8")


# --- removals (`scaffold remove`): the inverse of each insertion above ---------------------------------------------


def remove_statement_from_function(
    text: str, path: str, function_name: str, matches: Callable[[str], bool]
) -> tuple[str, int]:
    """Take out the statements of the function for which `matches(their text)` holds, each with the comment lines
    right above it and the blank line before those (what add_statement_to_function put there). Returns the new
    text and how many statements are left in the function."""
    parsed = _parse(text, path)
    body = _function_body(parsed, function_name, path)
    source = parsed.source
    cuts: list[tuple[int, int]] = []
    pending_comments: int | None = None
    for child in body.named_children:
        if child.type == "comment":
            pending_comments = _line_start(source, child.start_byte) if pending_comments is None else pending_comments
            continue
        start = pending_comments if pending_comments is not None else _line_start(source, child.start_byte)
        pending_comments = None
        if not matches(text_of(child)):
            continue
        end = source.find(b"\n", child.end_byte)
        end = len(source) if end == -1 else end + 1
        indent = source[_line_start(source, child.start_byte) : child.start_byte]
        if indent.strip() or source[child.end_byte : end].strip():
            raise ScaffoldError(f"{path}: `{text_of(child)[:40]}` shares its line with other code; take it out by hand")
        if source[:start].endswith(b"\n\n"):  # the blank line the insertion put before it
            start -= 1
        cuts.append((start, end))
    for start, end in reversed(cuts):
        source = source[:start] + source[end:]
    left = len(_statements(body)) - len(cuts)
    return source.decode("utf-8"), left


def remove_array_element_anywhere(text: str, path: str, const_name: str, element: str) -> str:
    """The inverse of add_array_element_anywhere: `["a", element]` → `["a"]`, or the element's line of a literal
    written over several lines; unchanged when no equal element is there."""
    parsed = _parse(text, path)
    literal = _literal_of(parsed, const_name, "array", path)
    elements = [c for c in literal.named_children if c.type != "comment"]
    found = next((e for e in elements if _normalised(text_of(e)) == _normalised(element)), None)
    if found is None:
        return text
    source = parsed.source
    if b"\n" in source[literal.start_byte : literal.end_byte]:
        from scaffold.edits.typescript_registries import remove_array_element

        return remove_array_element(text, path, const_name, element)
    index = elements.index(found)
    start, end = (elements[index - 1].end_byte, found.end_byte) if index else (found.start_byte, found.end_byte)
    if not index and len(elements) > 1:
        end = elements[1].start_byte
    return (source[:start] + source[end:]).decode("utf-8")


# --- SQL held in a string (the test helpers' truncate) -------------------------------------------------------------


class _Truncate(NamedTuple):
    parsed: ParsedTs
    node: Node  # the string literal
    raw: str  # its text between the quotes (equal to its value: no escapes)
    relations: list[tuple[str, int]]  # (table, offset in raw) of each plain, unqualified table, in order


def _truncate_in(text: str, path: str, function_name: str) -> _Truncate | None:
    """The first string literal in `function_name` holding one `TRUNCATE ...` statement, read by pglast; None when
    there is none or it is not a plain TRUNCATE of tables (schema-qualified or computed: not ours to edit)."""
    import pglast
    from pglast import ast

    from scaffold.parsers.typescript import string_value

    parsed = _parse(text, path)
    for node in walk(_function_body(parsed, function_name, path)):
        raw = text_of(node)[1:-1] if node.type == "string" else ""
        if not raw.lstrip().upper().startswith("TRUNCATE") or string_value(node) != raw:
            continue
        try:
            statements = pglast.parse_sql(raw)
        except pglast.parser.ParseError:
            return None
        truncate = statements[0].stmt if len(statements) == 1 else None
        if not isinstance(truncate, ast.TruncateStmt) or not truncate.relations:
            return None
        relations = [(r.relname, r.location) for r in truncate.relations]
        if any(r.schemaname for r in truncate.relations) or any(raw[at : at + len(n)] != n for n, at in relations):
            return None
        return _Truncate(parsed, node, raw, relations)
    return None


def _with_literal(found: _Truncate, raw: str) -> str:
    quote = text_of(found.node)[0]
    source = found.parsed.source
    return (source[: found.node.start_byte] + f"{quote}{raw}{quote}".encode() + source[found.node.end_byte :]).decode()


def add_truncated_table(text: str, path: str, function_name: str, after: str, table: str) -> str:
    """Put `table` after `after` in the `TRUNCATE a, b, ...` string literal inside `function_name` (a table with a
    foreign key to `after` must be truncated with it); unchanged when it is listed. pglast reads the statement, so
    only a one-statement TRUNCATE of plain table names in a plain string is edited; anything else is a one-line
    error."""
    found = _truncate_in(text, path, function_name)
    if found is not None and any(name == table for name, _ in found.relations):
        return text
    parent = next((at for name, at in found.relations if name == after), None) if found is not None else None
    if found is None or parent is None:
        raise ScaffoldError(
            f"{path}: {function_name}() has no `TRUNCATE {after}, ...` string scaffold can extend; add {table} to it "
            "by hand"
        )
    end = parent + len(after)
    return _with_literal(found, f"{found.raw[:end]}, {table}{found.raw[end:]}")


def remove_truncated_table(text: str, path: str, function_name: str, table: str) -> str:
    """The inverse of add_truncated_table: take `, table` out of the TRUNCATE string in `function_name`; unchanged
    when it is not listed there (or not the first: the generator never puts a table first)."""
    found = _truncate_in(text, path, function_name)
    names = [name for name, _ in found.relations] if found is not None else []
    if found is None or table not in names or names.index(table) == 0:
        return text
    index = names.index(table)
    previous, previous_at = found.relations[index - 1]
    start, end = previous_at + len(previous), found.relations[index][1] + len(table)
    return _with_literal(found, found.raw[:start] + found.raw[end:])
