"""Round-trip edits of YAML manifests with ruamel.yaml: comments, key order and quoting survive."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from scaffold.errors import ScaffoldError
from scaffold.parsers.manifests import YamlProblem, load_data


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(text: str, path: str) -> Any:
    """The round-trip document of a repo file. The text first passes the one YAML rule the verifier applies too
    (`manifests.load_data`, with libyaml: no duplicate key, no alias bomb, bounded nesting), so ruamel's slower
    pure-Python parser only ever sees a document that rule accepted."""
    try:
        load_data(text)
    except YamlProblem as refused:
        raise ScaffoldError(f"{path}:{refused.line}: not valid YAML ({refused.message})") from None
    try:
        document = _yaml().load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else path
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScaffoldError(f"{where}: not valid YAML ({problem})") from None
    if not isinstance(document, dict):  # every edit here works on a top-level mapping
        found = "nothing" if document is None else f"a {type(document).__name__}"
        raise ScaffoldError(f"{path}: expected a mapping at the top level, found {found}")
    return document


def dump(document: Any) -> str:
    stream = io.StringIO()
    _yaml().dump(document, stream)
    return stream.getvalue()


def upsert_list_item(text: str, path: str, list_key: str, item: dict[str, Any], identity: str) -> str:
    """Add `item` to the top-level list `list_key` unless an entry with the same `identity` value is there."""
    document = load(text, path)
    if not isinstance(document, dict) or not isinstance(document.get(list_key), list):
        raise ScaffoldError(f"{path}: expected a top-level `{list_key}:` list")
    entries = document[list_key]
    if any(isinstance(e, dict) and e.get(identity) == item[identity] for e in entries):
        return text
    entries.append(item)
    return dump(document)


def add_to_string_list(text: str, path: str, keys: list[str], value: str) -> str:
    """Add `value` to the list of strings at `keys` (e.g. contracts → events_published) unless it is there."""
    document = load(text, path)
    node = document
    for key in keys[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            raise ScaffoldError(f"{path}: expected a mapping at {'.'.join(keys[:-1])}")
        node = node[key]
    values = node.get(keys[-1])
    if values is None:
        node[keys[-1]] = values = []
    if not isinstance(values, list):
        raise ScaffoldError(f"{path}: expected a list at {'.'.join(keys)}")
    if value in values:
        return text
    values.append(value)
    _keep_trailing_comment_last(values)
    return dump(document)


def _keep_trailing_comment_last(values: Any) -> None:
    """ruamel attaches the comment lines after a block list to its last item; after an append, move them to the
    new last item so they stay below the list (where they introduce the next key) instead of inside it."""
    comments = getattr(values, "ca", None)
    previous = len(values) - 2
    if comments is None or previous < 0 or previous not in comments.items:
        return
    comments.items[len(values) - 1] = comments.items.pop(previous)


def remove_from_string_list(text: str, path: str, keys: list[str], value: str) -> str:
    """The inverse of add_to_string_list: take `value` out of the list of strings at `keys`; unchanged when it is
    not there. The comment lines below the list stay below it."""
    document = load(text, path)
    node = document
    for key in keys[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            raise ScaffoldError(f"{path}: expected a mapping at {'.'.join(keys[:-1])}")
        node = node[key]
    values = node.get(keys[-1])
    if not isinstance(values, list) or value not in values:
        return text
    index = values.index(value)
    comments = getattr(values, "ca", None)
    trailing = comments.items.pop(index, None) if comments is not None else None
    del values[index]
    if comments is not None:  # the items after the removed one move up by one, their comments with them
        shifted = {(i - 1 if i > index else i): c for i, c in comments.items.items()}
        comments.items.clear()
        comments.items.update(shifted)
        if trailing is not None and index == len(values) and values:
            comments.items[len(values) - 1] = trailing
    return dump(document)


def remove_list_item(text: str, path: str, list_key: str, identity: str, value: str) -> str:
    """The inverse of upsert_list_item: drop the entry of the top-level list `list_key` whose `identity` is
    `value`; unchanged when there is none."""
    document = load(text, path)
    if not isinstance(document, dict) or not isinstance(document.get(list_key), list):
        raise ScaffoldError(f"{path}: expected a top-level `{list_key}:` list")
    entries = document[list_key]
    index = next((i for i, e in enumerate(entries) if isinstance(e, dict) and e.get(identity) == value), None)
    if index is None:
        return text
    del entries[index]
    return dump(document)
