"""Interactive questions (questionary), offered only on a terminal; choices come from the repo where it has them."""

from __future__ import annotations

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


def text(message: str, default: str = "") -> str:
    """One line of visible text: an answer holding a control or format character is refused and asked again."""
    import questionary

    from scaffold.generators.free_text import validate_question

    return str(_answer(questionary.text(message, default=default, validate=validate_question)))


def _catalog_values(root: Path, key: str) -> list[str]:
    try:  # only suggestions: a catalog that cannot be read offers none (the generator reports it when it edits it)
        catalog = load_data(read_repo_text(root, platform.CATALOG) or "") or {}
    except (ScaffoldError, YamlProblem):
        return []
    entries = catalog.get(platform.CATALOG_SERVICES_KEY) if isinstance(catalog, dict) else None
    return sorted({str(e[key]) for e in entries or [] if isinstance(e, dict) and e.get(key)})


def _choose_or_type(message: str, choices: list[str], default: str) -> str:
    import questionary

    if not choices:
        return text(message, default)
    other = "(another…)"
    offered = default in choices
    picked = _answer(questionary.select(message, choices=[*choices, other], default=default if offered else None))
    if picked != other:
        return str(picked)
    # "another" means none of the listed ones: pre-filling a listed default would turn the typed answer into an
    # append to it ("platform-teamcare-team"), so the buffer starts empty unless the default was not offered.
    return text(f"{message} (type it)", "" if offered else default)


def ask_service(root: Path, name: str, given: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Ask for every answer not given as a flag. Owners and on-call rotations are offered from the catalog."""
    import questionary

    answers = dict(given)
    if answers["description"] is None:
        answers["description"] = text("One line on what the service does", defaults["description"])
    if answers["owner"] is None:
        answers["owner"] = _choose_or_type("Owning team", _catalog_values(root, "owner"), defaults["owner"])
    if answers["on_call"] is None:
        answers["on_call"] = _choose_or_type("On-call rotation", _catalog_values(root, "on_call"), defaults["on_call"])
    if answers["resource"] is None:
        answers["resource"] = text("First resource (singular snake_case)", defaults["resource"])
    if answers["returns_phi"] is None:
        answers["returns_phi"] = bool(_answer(questionary.confirm("Do its read routes return PHI?", default=False)))
    if answers["port"] is None:
        port = text("Local port", str(defaults["port"]))
        if not port.isdigit():
            raise ScaffoldError(f"port {port!r} is not a number")
        answers["port"] = int(port)
    return answers


# --- events and jobs -------------------------------------------------------------------------------------------
def _services(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / platform.SERVICES_DIR).glob(f"*/{platform.SERVICE_MANIFEST}"))


def confirm(message: str, default: bool = False) -> bool:
    import questionary

    return bool(_answer(questionary.confirm(message, default=default)))


def service(root: Path, message: str, default: str | None) -> str:
    """One existing service, picked from services/."""
    import questionary

    choices = _services(root)
    if not choices:
        raise ScaffoldError("the platform has no service yet; create one with `scaffold new service NAME`")
    return str(_answer(questionary.select(message, choices=choices, default=default if default in choices else None)))


def services(root: Path, message: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """Any number of existing services (none is a valid answer)."""
    import questionary

    choices = [s for s in _services(root) if s not in exclude]
    return [str(s) for s in _answer(questionary.checkbox(message, choices=choices))] if choices else []


def event_name(root: Path) -> str:
    """The family (an existing family file, or a new one), then what happened."""
    import questionary

    families = sorted(
        p.stem
        for p in (root / platform.CONTRACTS_EVENTS_DIR).glob("*.ts")
        if p.stem not in ("registry", "names.generated", platform.PLATFORM_EVENT_FAMILY)
    )
    new = "(a new family…)"
    family = str(_answer(questionary.select("Event family", choices=[*families, new]))) if families else new
    if family == new:
        family = text("New family (kebab-case, e.g. invoice)")
    what = text(f"What happened ({family}.<snake_case, past tense>, e.g. paid)")
    return f"{family}.{what}"


def payload_fields() -> tuple[Any, ...]:
    """Payload fields one at a time (name, type, optional) until an empty name."""
    import questionary

    from scaffold.generators.event_payload import SCALARS, PayloadField, parse_field_flag

    fields: list[PayloadField] = []
    while True:
        name = text("Payload field name (empty to finish)")
        if not name:
            return tuple(fields)
        kind = str(_answer(questionary.select(f"Type of {name}", choices=list(SCALARS), default="string")))
        optional = confirm(f"Is {name} optional?")
        fields.append(parse_field_flag(f"{name}:{kind}{'?' if optional else ''}"))
