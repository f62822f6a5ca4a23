"""Statement and array insertions into TypeScript code (scaffold/edits/typescript_code.py)."""

from __future__ import annotations

import pytest

from scaffold.edits import typescript_code
from scaffold.errors import ScaffoldError


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


def test_one_line_array_element_removal_is_the_inverse_of_adding_it() -> None:
    for text in ('const SCOPES = ["a:read"];\n', "const SCOPES = [];\n"):
        added = typescript_code.add_array_element_anywhere(text, "h.ts", "SCOPES", '"jobs:run"')
        assert typescript_code.remove_array_element_anywhere(added, "h.ts", "SCOPES", '"jobs:run"') == text


def test_a_statement_and_its_comment_come_out_of_a_function() -> None:
    text = "export function routes(app) {\n  app.get(\"/a\", a);\n}\n"
    block = '  // the job\n  app.post("/admin/jobs/x", run);'
    added = typescript_code.add_statement_to_function(text, "r.ts", "routes", block)
    removed, left = typescript_code.remove_statement_from_function(
        added, "r.ts", "routes", lambda statement: '"/admin/jobs/x"' in statement
    )
    assert (removed, left) == (text, 1)


TRUNCATE_HELPERS = """export async function truncateAll(db: Db): Promise<void> {
  await db.query(
    "TRUNCATE items, item_counts, audit_log",
  );
}
"""


def test_a_nested_table_is_truncated_with_its_parent_and_taken_out_again() -> None:
    from scaffold.edits.typescript_code import add_truncated_table, remove_truncated_table

    added = add_truncated_table(TRUNCATE_HELPERS, "h.ts", "truncateAll", "items", "item_lines")
    assert '"TRUNCATE items, item_lines, item_counts, audit_log",' in added
    assert add_truncated_table(added, "h.ts", "truncateAll", "items", "item_lines") == added
    last = TRUNCATE_HELPERS.replace("items, item_counts, audit_log", "item_counts, audit_log, items")
    assert '"TRUNCATE item_counts, audit_log, items, item_lines",' in add_truncated_table(
        last, "h.ts", "truncateAll", "items", "item_lines"
    )
    assert remove_truncated_table(added, "h.ts", "truncateAll", "item_lines") == TRUNCATE_HELPERS
    assert remove_truncated_table(TRUNCATE_HELPERS, "h.ts", "truncateAll", "item_lines") == TRUNCATE_HELPERS


@pytest.mark.parametrize(
    "helpers",
    [
        TRUNCATE_HELPERS.replace('"TRUNCATE items, item_counts, audit_log"', "`TRUNCATE ${TABLES}`"),  # computed
        TRUNCATE_HELPERS.replace("items, item_counts", "public.items, item_counts"),  # schema-qualified parent
        TRUNCATE_HELPERS.replace("TRUNCATE items, item_counts, audit_log", "TRUNCATE items; DELETE FROM x"),
        TRUNCATE_HELPERS.replace("items, item_counts, audit_log", "item_counts, audit_log"),  # no parent
    ],
)
def test_a_truncate_scaffold_cannot_read_is_a_one_line_error(helpers: str) -> None:
    from scaffold.edits.typescript_code import add_truncated_table

    with pytest.raises(ScaffoldError, match=r"add item_lines to it by hand"):
        add_truncated_table(helpers, "h.ts", "truncateAll", "items", "item_lines")
