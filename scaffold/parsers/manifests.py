"""YAML manifests (service.yaml, catalog, identity, freeze windows, ...) with line numbers, and JSON Schema checks.

    doc = load_yaml(text)                 # ParsedYaml: .data, .error / .error_line, .line_of(("contracts", "openapi"))
    validate(doc, schema)                 # [SchemaError(message, path, line)] — jsonschema, Draft 2020-12
    placeholders(doc.data)                # [(path, value)] for "TODO", "TBD", "changeme", "<...>", ...

Reads with libyaml (`yaml.CSafeLoader`): data once, plus a compose pass that records where each key and list item
starts. Nothing here knows the platform layout.
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


def _record_lines(node: yaml.Node, path: PathKey, lines: dict[PathKey, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark.line)
            child = (*path, key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _record_lines(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*path, index), item.start_mark.line + 1)
            _record_lines(item, (*path, index), lines)


def load_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document. A syntax error gives data None with `error` and `error_line`."""
    lines: dict[PathKey, int] = {(): 1}
    loader = yaml.CSafeLoader(text)
    try:  # one parse: the node tree gives the lines, then constructing it gives the data (as `yaml.load` does)
        root = loader.get_single_node()
        if root is not None:  # lines first: constructing flattens `<<` merge keys in place
            lines[()] = root.start_mark.line + 1
            _record_lines(root, (), lines)
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        return ParsedYaml(None, {}, f"{error.problem or error}".strip(), line)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as error:
        return ParsedYaml(None, {}, str(error) or type(error).__name__, 1)
    finally:
        loader.dispose()
    return ParsedYaml(data, lines)


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
