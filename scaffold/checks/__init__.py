"""The check catalogue: one module per checklist section, one function per checklist ID.

Find a check from its ID: `SVC-CODE-04` lives in `scaffold/checks/svc_code.py`, `EVT-03` in `event.py`,
`DEPLOY-01` in `deploy.py` (see SECTION_MODULES). Each is registered with `@check(...)`, whose docstring carries
"What it does", "Why it matters" and "How to fix" — `scaffold explain ID` and docs/checks.md come from there.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable

from scaffold.verify.model import Check, CheckDoc, CheckFunction, Kind

# ID prefix → (module, section heading). The order is the checklist's order.
SECTION_MODULES: dict[str, tuple[str, str]] = {
    "SVC-CODE": ("svc_code", "SVC / Code"),
    "SVC-DB": ("svc_db", "SVC / Database"),
    "SVC-EV": ("svc_events", "SVC / Events"),
    "SVC-TEST": ("svc_tests", "SVC / Tests"),
    "SVC-DOC": ("svc_docs", "SVC / Docs"),
    "SVC-OBS": ("svc_observability", "SVC / Observability"),
    "SVC-AUTH": ("svc_auth", "SVC / Auth"),
    "SVC-DEP": ("svc_deployment", "SVC / Deployment"),
    "SVC-SDK": ("svc_sdk", "SVC / SDK"),
    "EP": ("endpoint", "EP — third-party-facing endpoint"),
    "EVT": ("event", "EVT — event"),
    "JOB": ("job", "JOB — background job"),
    "INT": ("integration", "INT — partner integration"),
    "DEPLOY": ("deploy", "DEPLOY — production deploy"),
}

_REGISTRY: dict[str, Check] = {}
_DOC_HEADINGS = ("What it does:", "Why it matters:", "How to fix:")


def section_of(check_id: str) -> tuple[str, str]:
    prefix = check_id.rsplit("-", 1)[0]
    return SECTION_MODULES[prefix]


def _parse_doc(function: Callable[..., object]) -> CheckDoc:
    text = inspect.cleandoc(function.__doc__ or "")
    parts: dict[str, str] = {}
    pattern = "|".join(re.escape(h) for h in _DOC_HEADINGS)
    chunks = re.split(f"({pattern})", text)
    for heading, body in zip(chunks[1::2], chunks[2::2], strict=True):
        parts[heading] = " ".join(body.split())
    missing = [h for h in _DOC_HEADINGS if not parts.get(h)]
    if missing:
        raise ValueError(f"{function.__qualname__}: docstring lacks {', '.join(missing)}")
    return CheckDoc(what=parts[_DOC_HEADINGS[0]], why=parts[_DOC_HEADINGS[1]], fix=parts[_DOC_HEADINGS[2]])


def check(
    check_id: str,
    title: str,
    *,
    mode: str,
    kind: Kind,
    fixable: bool = False,
    covers: tuple[str, ...] = (),
    independent: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under its checklist ID. `title` and `mode` are CHECKLIST.md's text (a drift test holds them)."""

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in _REGISTRY:
            raise ValueError(f"{check_id} registered twice")
        _REGISTRY[check_id] = Check(
            id=check_id,
            title=title,
            mode=mode,
            kind=kind,
            section=section_of(check_id)[1],
            doc=_parse_doc(function),
            run=function,
            fixable=fixable,
            covers=covers,
            independent=independent,
        )
        return function

    return register


def _id_sort_key(check_id: str) -> tuple[int, int]:
    prefix, number = check_id.rsplit("-", 1)
    return (list(SECTION_MODULES).index(prefix), int(number))


def catalogue() -> dict[str, Check]:
    """Every registered check by ID, in checklist order. Imports the section modules on first use."""
    # Always import every section: a module imported on its own (e.g. for derived_files) registers only its part.
    for module, _ in SECTION_MODULES.values():
        importlib.import_module(f"scaffold.checks.{module}")
    return {check_id: _REGISTRY[check_id] for check_id in sorted(_REGISTRY, key=_id_sort_key)}
