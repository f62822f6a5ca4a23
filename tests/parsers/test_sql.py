"""pglast views of migrations, and the squawk runner."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from scaffold.parsers.sql import (
    columns_added,
    header_comments,
    indexes_created,
    loads_rows,
    parse_migration,
    run_squawk,
    schema_changes,
    squawk_available,
    statement_at,
    tables_created,
    tables_filtered_by,
    tables_touched,
)

MIGRATION = """-- contract: 0002_add_title.sql
-- drops the old name

CREATE TABLE items (
  id uuid PRIMARY KEY,
  brand_id text NOT NULL,
  name text,
  UNIQUE (brand_id, name)
);
CREATE INDEX CONCURRENTLY items_brand_idx ON items (brand_id, lower(name));
ALTER TABLE items DROP COLUMN name, ALTER COLUMN id TYPE text;
ALTER TABLE items RENAME COLUMN id TO item_id;
ALTER TABLE items ALTER COLUMN brand_id SET NOT NULL;
ALTER TABLE items ADD COLUMN note text NOT NULL DEFAULT '';
DROP TABLE old_items;
DROP INDEX items_brand_idx;
"""


def test_statements_carry_their_first_line() -> None:
    parsed = parse_migration(MIGRATION)
    assert parsed.error is None
    assert [(s.kind, s.line) for s in parsed.statements] == [
        ("create_table", 4),
        ("create_index", 10),
        ("alter_table", 11),
        ("rename", 12),
        ("alter_table", 13),
        ("alter_table", 14),
        ("drop", 15),
        ("drop", 16),
    ]
    assert statement_at(parsed, 6) == parsed.statements[0]
    assert tables_touched(parsed.statements[6]) == {"old_items"}


def test_tables_and_indexes() -> None:
    parsed = parse_migration(MIGRATION)
    (table,) = tables_created(parsed)
    assert table.name == "items" and table.line == 4 and table.primary_key == ("id",)
    assert [(c.name, c.type, c.not_null) for c in table.columns] == [
        ("id", "uuid", True),
        ("brand_id", "text", True),
        ("name", "text", False),
    ]
    indexes = indexes_created(parsed)
    assert [(i.table, i.columns, i.concurrent, i.unique) for i in indexes] == [
        ("items", ("id",), False, True),
        ("items", ("brand_id", "name"), False, True),
        ("items", ("brand_id", None), True, False),
    ]
    assert [(t, c.name, c.not_null, line) for t, c, line in columns_added(parsed)] == [("items", "note", True, 14)]


def test_schema_changes_are_the_contract_phase() -> None:
    changes = schema_changes(parse_migration(MIGRATION))
    assert [(c.action, c.table, c.target, c.line) for c in changes] == [
        ("drop_column", "items", "name", 11),
        ("change_type", "items", "id", 11),
        ("rename_column", "items", "id", 12),
        ("set_not_null", "items", "brand_id", 13),
        ("drop_table", "old_items", None, 15),
    ]
    assert changes[0].describe() == "drop column items.name"


def test_syntax_error_gives_line_not_exception() -> None:
    parsed = parse_migration("SELECT 1;\n\nCREATE TABL x (id int);\n")
    assert parsed.statements == () and parsed.error is not None and parsed.error_line == 3


def test_header_comments() -> None:
    assert header_comments(MIGRATION) == [("contract: 0002_add_title.sql", 1), ("drops the old name", 2)]


def test_queries_filtered_by_a_column() -> None:
    query = "SELECT i.id FROM items i JOIN notes n ON n.item_id = i.id WHERE i.brand_id = $1"
    assert tables_filtered_by(query, "brand_id") == {"items"}
    assert tables_filtered_by("SELECT id FROM items WHERE brand_id = $1", "brand_id") == {"items"}
    assert tables_filtered_by("DELETE FROM items WHERE id = $1", "brand_id") == set()
    assert tables_filtered_by("not sql", "brand_id") is None
    assert loads_rows("INSERT INTO items SELECT * FROM generate_series(1, 10)")
    assert not loads_rows("SELECT 1")


@pytest.mark.skipif(not squawk_available(), reason="squawk-cli not installed")
def test_squawk_lines_are_one_based(tmp_path: Path) -> None:
    migration = tmp_path / "0002.sql"
    migration.write_text("SET lock_timeout = '1s';\nSET statement_timeout = '5s';\n\nCREATE INDEX i ON items (name);\n")
    findings = run_squawk({"migrations/0002.sql": str(migration)})
    found = {(f.file, f.line, f.rule) for f in findings}
    assert ("migrations/0002.sql", 4, "require-concurrent-index-creation") in found


@pytest.mark.skipif(
    shutil.which("squawk", path=str(Path(sys.executable).parent)) is None, reason="squawk-cli not in this venv"
)
def test_squawk_is_found_beside_the_interpreter_when_path_lacks_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pipx and `uv tool` run scaffold by its full path; the venv's bin folder is then not on PATH."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert squawk_available()
    migration = tmp_path / "0002.sql"
    migration.write_text("CREATE INDEX i ON items (name);\n")
    assert run_squawk({"0002.sql": str(migration)})
