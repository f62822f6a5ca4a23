"""Interactive questions (questionary), offered only on a terminal; choices come from the repo where it has them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.parsers.manifests import YamlProblem, load_data
from scaffold.staging import read_repo_text


def _answer(question: Any) -> Any:
    value = question.ask()  # questionary returns None on Ctrl-C
    if value is None:
        raise KeyboardInterrupt
    return value


def on_stderr() -> dict[str, Any]:
    """Where questions are drawn: the terminal behind stderr, so that stdout carries only results (`scaffold new
    job --dry-run > job.diff` asks on the terminal and the file holds the diff). Pass as **kwargs to questionary."""
    from prompt_toolkit.output import create_output

    return {"output": create_output(stdout=sys.stderr)} if sys.stderr.isatty() else {}


def validator(check: Callable[[str], object] | None) -> Callable[[str], bool | str]:
    """questionary's `validate=` from a generator's own rule (a function that raises ScaffoldError, the one the
    flags are checked with): the answer is refused with the rule's message and asked again."""
    from scaffold.generators.free_text import validate_question

    def validate(value: str) -> bool | str:
        visible = validate_question(value)
        if visible is not True or check is None:
            return visible
        try:
            check(value)
        except ScaffoldError as error:
            return str(error)
        return True

    return validate


def text(message: str, default: str = "", check: Callable[[str], object] | None = None) -> str:
    """One line of visible text, checked at this question by `check` (and for control or format characters);
    a refused answer is asked again with the reason."""
    import questionary

    return str(_answer(questionary.text(message, default=default, validate=validator(check), **on_stderr())))


def _catalog_values(root: Path, key: str) -> list[str]:
    try:  # only suggestions: a catalog that cannot be read offers none (the generator reports it when it edits it)
        catalog = load_data(read_repo_text(root, platform.CATALOG) or "") or {}
    except (ScaffoldError, YamlProblem):
        return []
    entries = catalog.get(platform.CATALOG_SERVICES_KEY) if isinstance(catalog, dict) else None
    return sorted({str(e[key]) for e in entries or [] if isinstance(e, dict) and e.get(key)})


def _choose_or_type(message: str, choices: list[str], default: str) -> str:
    import questionary

    from scaffold.generators.free_text import check_line

    def check(value: str) -> None:
        check_line(message.lower(), value)

    if not choices:
        return text(message, default, check)
    other = "(another…)"
    offered = default in choices
    picked = _answer(
        questionary.select(message, choices=[*choices, other], default=default if offered else None, **on_stderr())
    )
    if picked != other:
        return str(picked)
    # "another" means none of the listed ones: pre-filling a listed default would turn the typed answer into an
    # append to it ("platform-teamcare-team"), so the buffer starts empty unless the default was not offered.
    return text(f"{message} (type it)", "" if offered else default, check)


def ask_service(root: Path, name: str, given: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Ask for every answer not given as a flag, each checked where it is asked. Owners and on-call rotations are
    offered from the catalog."""
    from scaffold.generators.free_text import check_line
    from scaffold.generators.service import check_resource, parse_port

    answers = dict(given)
    if answers["description"] is None:
        answers["description"] = text(
            "One line on what the service does", defaults["description"], lambda v: check_line("description", v)
        )
    if answers["owner"] is None:
        answers["owner"] = _choose_or_type("Owning team", _catalog_values(root, "owner"), defaults["owner"])
    if answers["on_call"] is None:
        answers["on_call"] = _choose_or_type("On-call rotation", _catalog_values(root, "on_call"), defaults["on_call"])
    if answers["resource"] is None:
        answers["resource"] = text("First resource (singular snake_case)", defaults["resource"], check_resource)
    if answers["returns_phi"] is None:
        answers["returns_phi"] = confirm("Do its read routes return PHI?")
    if answers["port"] is None:
        answers["port"] = parse_port(text("Local port", str(defaults["port"]), parse_port))
    return answers


# --- events and jobs -------------------------------------------------------------------------------------------
def _services(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / platform.SERVICES_DIR).glob(f"*/{platform.SERVICE_MANIFEST}"))


def confirm(message: str, default: bool = False) -> bool:
    import questionary

    return bool(_answer(questionary.confirm(message, default=default, **on_stderr())))


def select(message: str, choices: list[str], default: str | None = None) -> str:
    """One of `choices`, picked with the arrow keys."""
    import questionary

    return str(
        _answer(
            questionary.select(message, choices=choices, default=default if default in choices else None, **on_stderr())
        )
    )


def service(root: Path, message: str, default: str | None) -> str:
    """One existing service, picked from services/."""
    import questionary

    choices = _services(root)
    if not choices:
        raise ScaffoldError("the platform has no service yet; create one with `scaffold new service NAME`")
    return str(
        _answer(
            questionary.select(message, choices=choices, default=default if default in choices else None, **on_stderr())
        )
    )


def services(root: Path, message: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """Any number of existing services (none is a valid answer)."""
    import questionary

    choices = [s for s in _services(root) if s not in exclude]
    return [str(s) for s in _answer(questionary.checkbox(message, choices=choices, **on_stderr()))] if choices else []


def event_name(root: Path) -> str:
    """The family (an existing family file, or a new one), then what happened; the whole name is checked by the
    rule the NAME argument is checked with, at the second question."""
    import questionary

    from scaffold.generators.event import validate_name

    families = sorted(
        p.stem
        for p in (root / platform.CONTRACTS_EVENTS_DIR).glob("*.ts")
        if p.stem not in ("registry", "names.generated", platform.PLATFORM_EVENT_FAMILY)
    )
    new = "(a new family…)"
    family = new
    if families:
        family = str(_answer(questionary.select("Event family", choices=[*families, new], **on_stderr())))
    if family == new:  # checked as the family of a well-formed name
        family = text("New family (kebab-case, e.g. invoice)", check=lambda v: validate_name(f"{v}.created"))
    what = text(
        f"What happened ({family}.<snake_case, past tense>, e.g. paid)",
        check=lambda v: validate_name(f"{family}.{v}"),
    )
    return f"{family}.{what}"


FIELD_KINDS = ("enum (one of listed values)", "array (a list of one type)")


def payload_fields() -> tuple[Any, ...]:
    """Payload fields one at a time (name, type, optional) until an empty name. Types are those of `--field`:
    a scalar, an enum of listed values, or an array of a scalar or an enum; each answer is checked by the flag's
    own parser at its question."""

    from scaffold.generators.event_payload import PayloadField, parse_field_flag

    def check_name(value: str) -> None:
        if value:
            parse_field_flag(f"{value}:string")

    fields: list[PayloadField] = []
    while True:
        name = text("Payload field name (empty to finish)", check=check_name)
        if not name:
            return tuple(fields)
        spec = _field_type(name, array_allowed=True)
        optional = confirm(f"Is {name} optional?")
        fields.append(parse_field_flag(f"{name}:{spec}{'?' if optional else ''}"))


def _field_type(name: str, *, array_allowed: bool) -> str:
    """A `--field` type spec for `name`: a scalar, enum(a|b), or (once) an array of either."""
    import questionary

    from scaffold.generators.event_payload import SCALARS, parse_field_flag

    kinds = [*SCALARS, FIELD_KINDS[0], *(FIELD_KINDS[1:] if array_allowed else [])]
    what = "Type of the items of" if not array_allowed else "Type of"
    kind = str(_answer(questionary.select(f"{what} {name}", choices=kinds, default="string", **on_stderr())))
    if kind == FIELD_KINDS[0]:
        values = text(
            f"Values of {name} (lower-case words joined by |, e.g. open|paid)",
            check=lambda v: parse_field_flag(f"{name}:enum({v})"),
        )
        return f"enum({values})"
    if kind == FIELD_KINDS[1]:
        return f"{_field_type(name, array_allowed=False)}[]"
    return kind
