"""TSX through the tsx grammar: JSX parses cleanly and the typescript helpers work on the result."""

from __future__ import annotations

from scaffold.parsers.tsx import parse_tsx
from scaffold.parsers.typescript import calls, imports, parse_typescript

COMPONENT = """import { DisconnectButton } from "@platform/button-kit";

export function Disconnect(props: { onClick: () => void }) {
  return <DisconnectButton onClick={() => revokeTokens()} />;
}
"""


def test_jsx_parses_without_errors_and_helpers_see_imports_and_calls() -> None:
    parsed = parse_tsx(COMPONENT)
    assert parsed.error_line is None
    assert [i.module for i in imports(parsed)] == ["@platform/button-kit"]
    assert [c.line for c in calls(parsed, "revokeTokens")] == [4]
    assert parse_typescript(COMPONENT).error_line is not None  # why .tsx needs its own grammar
