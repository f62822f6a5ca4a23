"""YAML with line numbers, JSON Schema errors with lines, placeholders."""

from __future__ import annotations

import pytest

from scaffold.parsers.manifests import is_placeholder, load_yaml, placeholders, validate

DOC = """# comment
name: billing
contracts:
  events_published:
    - billing.item_created
    - TODO
owner: <team>
"""


def test_lines_of_keys_and_items() -> None:
    parsed = load_yaml(DOC)
    assert parsed.ok and parsed.data["name"] == "billing"
    assert parsed.line_of(("name",)) == 2
    assert parsed.line_of(("contracts", "events_published", 1)) == 6
    assert parsed.line_of(("contracts", "missing", "deeper")) == 3  # nearest declared ancestor


def test_syntax_error_gives_line() -> None:
    parsed = load_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert not parsed.ok and parsed.data is None and parsed.error_line == 3


def test_schema_errors_carry_lines() -> None:
    schema = {"type": "object", "required": ["status"], "properties": {"name": {"type": "integer"}}}
    errors = validate(load_yaml(DOC), schema)
    assert [(e.where, e.line) for e in errors] == [("(top level)", 2), ("name", 2)]
    assert "'status' is a required property" in errors[0].message


def test_placeholders() -> None:
    found = dict(placeholders(load_yaml(DOC).data))
    assert found == {("contracts", "events_published", 1): "TODO", ("owner",): "<team>"}


@pytest.mark.parametrize("value", ["TODO", "tbd", "changeme", "<owner>", "{{ name }}", "FIXME: later", "", "  ", "???"])
def test_is_placeholder(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["payments-team", "Todo list service", "per-brand", "https://x.example"])
def test_is_not_placeholder(value: str) -> None:
    assert not is_placeholder(value)
