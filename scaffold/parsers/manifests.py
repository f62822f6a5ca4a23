"""YAML manifests (service.yaml, catalog, identity, freeze windows, ...) with line numbers, and JSON Schema checks.

    doc = load_yaml(text)                 # ParsedYaml: .data, .error / .error_line, .line_of(("contracts", "openapi"))
    validate(doc, schema)                 # [SchemaError(message, path, line)] — jsonschema, Draft 2020-12
    placeholders(doc.data)                # [(path, value)] for "TODO", "TBD", "changeme", "<...>", ...

Reads with libyaml (`yaml.CSafeLoader`): data once, plus a compose pass that records where each key and list item
starts. Nothing here knows the platform layout.

One rule for every YAML file of a repo, for the verifier (`load_yaml`: a ParsedYaml with `.error`, which the
checks report as a `fail`) and the generators (`load_data`: the data, or YamlProblem, which they turn into one
line and exit 2): a duplicate key is an error (libyaml keeps the last silently; people read the first), and so are
aliases that expand to more than `MAX_ALIAS_EXPANSION` nodes beyond the text's own size (a 300-byte "billion
laughs" document would otherwise cost gigabytes in whatever walks the data). libyaml itself caps nesting depth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

import yaml

PathKey = tuple[str | int, ...]
_PLACEHOLDER = re.compile(
    r"^\s*(todo|tbd|tbc|fixme|xxx|changeme|change[-_ ]me|replace[-_ ]?me|fill[-_ ]?me[-_ ]?in|"
    r"placeholder|\?+|\.\.\.|<[^<>]*>|\{\{.*\}\})\s*$|^\s*(todo|tbd|fixme)\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedYaml:
    data: object
    lines: Mapping[PathKey, int] = field(default_factory=dict, repr=False)
    error: str | None = None
    error_line: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def line_of(self, path: PathKey) -> int | None:
        """1-based line where the value at `path` is declared (its key), or the nearest declared ancestor's."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


# Nodes that aliases may add beyond one per character of the text (no document without aliases has more nodes
# than characters). 100,000 extra nodes are ~30 MB of recorded lines at worst; real manifests use a handful.
MAX_ALIAS_EXPANSION = 100_000


class YamlProblem(ValueError):
    """Why a YAML text is refused, with the 1-based line (`load_data`)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _Walk:
    """The compose-tree walk that records lines: it is also where duplicate keys and alias expansion are caught
    (each costs an int and a dict look-up per node, on a walk the lines need anyway)."""

    def __init__(self, lines: dict[PathKey, int], budget: int) -> None:
        self.lines = lines
        self.budget = budget  # nodes left before the expanded tree counts as an alias bomb

    def visit(self, node: yaml.Node, path: PathKey) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise YamlProblem(
                f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} extra nodes; not read", node.start_mark.line + 1
            )
        lines = self.lines
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark.line)
                child = (*path, key)
                if child in lines and isinstance(key_node, yaml.ScalarNode) and key != "<<":
                    # a path is reached once in a tree, however many aliases point into it: twice is the same key
                    # written twice in one mapping
                    line = key_node.start_mark.line + 1
                    raise YamlProblem(f"duplicate key {key!r} (first at line {lines[child]})", line)
                lines[child] = key_node.start_mark.line + 1
                self.visit(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines.setdefault((*path, index), item.start_mark.line + 1)
                self.visit(item, (*path, index))


def load_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document. A syntax error, a duplicate key or an alias bomb gives data None with `error` and
    `error_line`."""
    lines: dict[PathKey, int] = {(): 1}
    if text.startswith("\ufeff"):  # a byte-order mark: libyaml accepts it; say so for the line numbers' sake
        text = text[1:]
    loader = yaml.CSafeLoader(text)
    try:  # one parse: the node tree gives the lines, then constructing it gives the data (as `yaml.load` does)
        root = loader.get_single_node()
        if root is not None:  # lines first: constructing flattens `<<` merge keys in place
            lines[()] = root.start_mark.line + 1
            _Walk(lines, len(text) + MAX_ALIAS_EXPANSION).visit(root, ())
        data = loader.construct_document(root) if root is not None else None
    except YamlProblem as problem:
        return ParsedYaml(None, {}, problem.message, problem.line)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        return ParsedYaml(None, {}, f"{error.problem or error}".strip(), line)
    except RecursionError:  # a recursive alias (`&a [*a]`): the walk never ends
        return ParsedYaml(None, {}, "a recursive alias or nesting too deep; not read", 1)
    except yaml.reader.ReaderError as error:  # a character YAML does not allow (NUL, other control characters)
        line = text.count("\n", 0, error.position) + 1
        return ParsedYaml(None, {}, f"unacceptable character #x{error.character:04x}: {error.reason}", line)
    except (yaml.YAMLError, ValueError, TypeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return ParsedYaml(None, {}, first_line, 1)
    finally:
        loader.dispose()
    return ParsedYaml(data, lines)


def load_data(text: str | bytes) -> object:
    """The document's data under the same rule as `load_yaml`, for code that only wants the data (the generators).
    Bytes are decoded as UTF-8. Raises YamlProblem (message and line) for text that is not UTF-8, a syntax error,
    a duplicate key or an alias bomb."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            line = error.object.count(b"\n", 0, error.start) + 1
            raise YamlProblem(f"not UTF-8 text (byte {error.start})", line) from None
    parsed = load_yaml(text)
    if parsed.error is not None:
        raise YamlProblem(parsed.error, parsed.error_line or 1)
    return parsed.data


@dataclass(frozen=True)
class SchemaError:
    message: str
    path: PathKey
    line: int | None

    @property
    def where(self) -> str:
        return "/".join(str(p) for p in self.path) or "(top level)"


def validate(parsed: ParsedYaml, schema: Mapping[str, object]) -> list[SchemaError]:
    """JSON Schema errors of the document, in document order (by line)."""
    import jsonschema  # ~0.1 s: only when validating

    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = [
        SchemaError(error.message, tuple(error.absolute_path), parsed.line_of(tuple(error.absolute_path)))
        for error in validator.iter_errors(as_json(parsed.data))
    ]
    return sorted(errors, key=lambda e: (e.line or 0, e.where))


def as_json(data: object) -> object:
    """The document as JSON Schema (and yaml-language-server, which reads YAML 1.2) sees it: libyaml turns an unquoted
    `2026-12-20` into a date, which JSON has no type for, so dates and times become their ISO-8601 text."""
    if isinstance(data, date):  # datetime is a date too
        return data.isoformat()
    if isinstance(data, Mapping):
        return {key: as_json(value) for key, value in data.items()}
    if isinstance(data, list):
        return [as_json(item) for item in data]
    return data


def is_placeholder(value: object) -> bool:
    """A value someone has yet to fill in: TODO, TBD, changeme, <owner>, {{ name }}, an empty string, ..."""
    return isinstance(value, str) and (value.strip() == "" or bool(_PLACEHOLDER.search(value)))


def placeholders(data: object, path: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every string value (not key) in `data` that looks like a placeholder, with its path."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from placeholders(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from placeholders(value, (*path, index))
    elif isinstance(data, str) and is_placeholder(data):
        yield path, data
