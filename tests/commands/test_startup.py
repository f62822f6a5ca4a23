"""`scaffold --help` stays fast: building the parser imports none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("copier", "tree_sitter", "pglast", "openapi_spec_validator", "jsonschema", "ruamel", "questionary", "jinja2")


def test_help_imports_no_heavy_library() -> None:
    probe = (
        "import sys; from scaffold.cli import build_parser; build_parser().format_help(); "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
