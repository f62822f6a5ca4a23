"""Interactive questions (questionary), offered only on a terminal; choices come from the repo where it has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scaffold import platform
from scaffold.errors import ScaffoldError


def _answer(question: Any) -> Any:
    value = question.ask()  # questionary returns None on Ctrl-C
    if value is None:
        raise KeyboardInterrupt
    return value


def text(message: str, default: str = "") -> str:
    import questionary

    return str(_answer(questionary.text(message, default=default)))


def _catalog_values(root: Path, key: str) -> list[str]:
    try:
        catalog = yaml.safe_load((root / platform.CATALOG).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    entries = catalog.get("services") if isinstance(catalog, dict) else None
    return sorted({str(e[key]) for e in entries or [] if isinstance(e, dict) and e.get(key)})


def _choose_or_type(message: str, choices: list[str], default: str) -> str:
    import questionary

    if not choices:
        return text(message, default)
    other = "(another…)"
    picked = _answer(
        questionary.select(message, choices=[*choices, other], default=default if default in choices else None)
    )
    return text(message, default) if picked == other else str(picked)


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
