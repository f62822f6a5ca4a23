"""The catalogue against its sources: CHECKLIST.md's text and modes, and the generated docs/checks.md."""

from __future__ import annotations

import re
from pathlib import Path

from scaffold.checks import catalogue
from scaffold.verify.catalogue_page import PAGE, render_catalogue_page

CHECKLIST = Path(__file__).resolve().parents[2] / "docs" / "CHECKLIST.md"


def _checklist_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in CHECKLIST.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[A-Z]+(-[A-Z]+)?-\d{2}", cells[0]):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_every_checklist_item_is_a_check_with_its_exact_text_and_mode() -> None:
    rows = _checklist_rows()
    assert len(rows) == 86
    checks = catalogue()
    assert list(checks) == list(rows), "catalogue order or IDs differ from CHECKLIST.md"
    drift = [f"{i}: {c.title!r} / {c.mode!r} vs {rows[i]!r}" for i, c in checks.items() if (c.title, c.mode) != rows[i]]
    assert drift == []


def test_docs_page_is_regenerated() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_catalogue_page(), (
        "docs/checks.md is stale: python -m scaffold.verify.catalogue_page"
    )
