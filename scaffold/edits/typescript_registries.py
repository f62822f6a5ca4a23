"""Insertions into TypeScript registries (EVENT_SCHEMAS, SCOPES, JOBS, sst.config.ts `services`, imports).

tree-sitter finds the spot; the edit itself is a text insertion of whole lines, so every comment and all the
formatting outside the inserted line stay byte for byte. Each function returns the text unchanged when the entry
is already there.
"""

from __future__ import annotations

from tree_sitter import Node

from scaffold.errors import ScaffoldError
from scaffold.parsers.typescript import ParsedTs, parse_typescript, string_value, text_of, unwrap, walk


def _parse(text: str, path: str) -> ParsedTs:
    parsed = parse_typescript(text)
    if parsed.error_line is not None:
        raise ScaffoldError(f"{path}:{parsed.error_line}: not valid TypeScript; fix it before generating into it")
    return parsed


def _literal_of(parsed: ParsedTs, name: str, node_type: str, path: str) -> Node:
    """The object/array literal assigned to `name` anywhere in the file (also inside functions)."""
    for node in walk(parsed.root):
        if node.type != "variable_declarator":
            continue
        identifier = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if identifier is None or value is None or text_of(identifier) != name:
            continue
        value = unwrap(value)
        if value.type == node_type:
            return value
    kind = "object" if node_type == "object" else "array"
    raise ScaffoldError(f"{path}: no `{name} = {'{' if kind == 'object' else '['} … ` {kind} literal to add to")


def _line_start(source: bytes, offset: int) -> int:
    return source.rfind(b"\n", 0, offset) + 1


def _indent_at(source: bytes, offset: int) -> bytes:
    start = _line_start(source, offset)
    end = start
    while end < len(source) and source[end : end + 1] in (b" ", b"\t"):
        end += 1
    return source[start:end]


def _insert_line(parsed: ParsedTs, container: Node, before: Node | None, line: str) -> str:
    """Insert `line` on its own line before the entry `before`, or before the container's closing bracket."""
    source = parsed.source
    entries = [c for c in container.named_children if c.type != "comment"]
    if before is not None:
        offset = _line_start(source, before.start_byte)
        indent = _indent_at(source, before.start_byte)
    else:
        closing = container.end_byte - 1
        offset = _line_start(source, closing)
        if source[offset:closing].strip():  # `[]` or `{ a }` on one line: open it up
            raise ScaffoldError(
                "the registry literal is written on one line; break it over lines to let scaffold add to it"
            )
        indent = _indent_at(source, entries[-1].start_byte) if entries else _indent_at(source, closing) + b"  "
    new = source[:offset] + indent + line.encode("utf-8") + b"\n" + source[offset:]
    return new.decode("utf-8")


def _key_of(pair: Node) -> str | None:
    key = pair.child_by_field_name("key")
    if key is None:
        return None
    return string_value(key) if key.type == "string" else text_of(key)


def add_object_entry(text: str, path: str, const_name: str, key: str, value: str) -> str:
    """Add `"key": value,` to the object literal `const_name`, in key order; unchanged when the key exists."""
    parsed = _parse(text, path)
    literal = _literal_of(parsed, const_name, "object", path)
    pairs = [c for c in literal.named_children if c.type == "pair"]
    if any(_key_of(p) == key for p in pairs):
        return text
    before = next((p for p in pairs if (_key_of(p) or "") > key), None)
    return _insert_line(parsed, literal, before, f'"{key}": {value},')


def add_array_element(text: str, path: str, const_name: str, element: str) -> str:
    """Append `element,` to the array literal `const_name`; unchanged when an equal element is there."""
    parsed = _parse(text, path)
    literal = _literal_of(parsed, const_name, "array", path)
    normalised = "".join(element.split())
    elements = [c for c in literal.named_children if c.type != "comment"]
    if any("".join(text_of(e).split()) == normalised for e in elements):
        return text
    return _insert_line(parsed, literal, None, f"{element},")


def add_sorted_array_element(text: str, path: str, const_name: str, element: str) -> str:
    """Insert `element,` into the array literal `const_name` keeping elements in text order."""
    parsed = _parse(text, path)
    literal = _literal_of(parsed, const_name, "array", path)
    normalised = "".join(element.split())
    elements = [c for c in literal.named_children if c.type != "comment"]
    if any("".join(text_of(e).split()) == normalised for e in elements):
        return text
    before = next((e for e in elements if "".join(text_of(e).split()) > normalised), None)
    return _insert_line(parsed, literal, before, f"{element},")


def add_import(text: str, path: str, statement: str) -> str:
    """Add an import statement among the file's imports, in text order; unchanged when it is there."""
    parsed = _parse(text, path)
    imports = [n for n in parsed.root.named_children if n.type == "import_statement"]
    if any(text_of(i).strip() == statement.strip() for i in imports):
        return text
    source = parsed.source
    before = next((i for i in imports if text_of(i) > statement and text_of(i).startswith("import * as")), None)
    if before is not None:
        offset = _line_start(source, before.start_byte)
    elif imports:
        offset = source.find(b"\n", imports[-1].end_byte - 1) + 1 or len(source)
    else:
        offset = 0
    return (source[:offset] + statement.encode("utf-8") + b"\n" + source[offset:]).decode("utf-8")


# --- removals (`scaffold remove`): the inverse of each insertion above, whole lines out, everything else kept ----


def _remove_lines_of(parsed: ParsedTs, node: Node, path: str) -> str:
    """Remove the line(s) `node` stands on, with its trailing comma; refused when other code shares those lines
    (taking it out would need a reformat, which is a person's call)."""
    source = parsed.source
    start = _line_start(source, node.start_byte)
    end = node.end_byte
    following = node.next_sibling
    if following is not None and following.type == ",":
        end = following.end_byte
    line_end = source.find(b"\n", end)
    line_end = len(source) if line_end == -1 else line_end + 1
    if source[start : node.start_byte].strip() or source[end:line_end].strip():
        line = source.count(b"\n", 0, node.start_byte) + 1
        raise ScaffoldError(f"{path}:{line}: `{text_of(node)}` shares its line with other code; take it out by hand")
    return (source[:start] + source[line_end:]).decode("utf-8")


def remove_object_entry(text: str, path: str, const_name: str, key: str) -> str:
    """Take the `"key": value,` line out of the object literal `const_name`; unchanged when the key is absent."""
    parsed = _parse(text, path)
    literal = _literal_of(parsed, const_name, "object", path)
    pair = next((p for p in literal.named_children if p.type == "pair" and _key_of(p) == key), None)
    return text if pair is None else _remove_lines_of(parsed, pair, path)


def remove_array_element(text: str, path: str, const_name: str, element: str) -> str:
    """Take the `element,` line out of the array literal `const_name`; unchanged when no equal element is there."""
    parsed = _parse(text, path)
    literal = _literal_of(parsed, const_name, "array", path)
    normalised = "".join(element.split())
    found = next((e for e in literal.named_children if "".join(text_of(e).split()) == normalised), None)
    return text if found is None else _remove_lines_of(parsed, found, path)


def remove_import(text: str, path: str, statement: str) -> str:
    """Take an import statement's line out; unchanged when it is not there."""
    parsed = _parse(text, path)
    found = next(
        (
            n
            for n in parsed.root.named_children
            if n.type == "import_statement" and text_of(n).strip() == statement.strip()
        ),
        None,
    )
    return text if found is None else _remove_lines_of(parsed, found, path)
