"""Statement and array insertions into TypeScript code (scaffold/edits/typescript_code.py)."""

from __future__ import annotations

from scaffold.edits import typescript_code


def test_statement_edits_keep_the_rest_of_the_file() -> None:
    text = "export function f(app: A): void {\n  // first\n  a(app);\n}\n"
    block = "  // second\n  b(app);"
    added = typescript_code.add_statement_to_function(text, "x.ts", "f", block)
    assert added == "export function f(app: A): void {\n  // first\n  a(app);\n\n  // second\n  b(app);\n}\n"
    assert typescript_code.add_statement_to_function(added, "x.ts", "f", block) == added
    blocks = typescript_code.function_statement_blocks(added, "x.ts", "f")
    assert blocks == ["  // first\n  a(app);", "  // second\n  b(app);"]
    after = typescript_code.add_statement_after(text, "x.ts", "f", "c(app);", lambda s: s.startswith("a("))
    assert after == "export function f(app: A): void {\n  // first\n  a(app);\n  c(app);\n}\n"
    inline = 'export const SCOPES = ["a:read"];\n'
    expected = 'export const SCOPES = ["a:read", "b:run"];\n'
    assert typescript_code.add_array_element_anywhere(inline, "x.ts", "SCOPES", '"b:run"') == expected
    empty = typescript_code.add_array_element_anywhere("const SCOPES = [];\n", "x.ts", "SCOPES", '"b"')
    assert empty == 'const SCOPES = ["b"];\n'
