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
    is_widening,
    loads_rows,
    parse_migration,
    run_squawk,
    schema_changes,
    squawk_available,
    statement_at,
    tables_created,
    tables_filtered_by,
    tables_locked,
    tables_touched,
    unfiltered_writes,
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


# --- real migrations (issue 10) ----------------------------------------------------------------------------
def test_lines_count_characters_not_bytes() -> None:
    # pglast gives character offsets: an em dash (3 bytes in UTF-8) before a statement must not move its line
    parsed = parse_migration("-- items — by name\nCREATE INDEX items_name_idx ON items (name);\nSELECT 1;\n")
    assert [(s.kind, s.line) for s in parsed.statements] == [("create_index", 2), ("other", 3)]
    assert parsed.statements[0].text == "CREATE INDEX items_name_idx ON items (name)"
    assert parse_migration("-- — — —\nSELECT 1;\nCREATE TABL x (id int);\n").error_line == 3


def test_one_schema_change_per_clause_at_its_line() -> None:
    parsed = parse_migration("ALTER TABLE items\n  DROP COLUMN name,\n  -- and\n  DROP COLUMN note;\n")
    assert [(c.action, c.target, c.line) for c in schema_changes(parsed)] == [
        ("drop_column", "name", 2),
        ("drop_column", "note", 4),
    ]
    parsed = parse_migration('ALTER TABLE IF EXISTS ONLY app.items ADD COLUMN a text,\nDROP "b";')
    assert [(c.action, c.target, c.line) for c in schema_changes(parsed)] == [("drop_column", "b", 2)]


def test_drop_if_exists_is_marked() -> None:
    (change,) = schema_changes(parse_migration("DROP TABLE IF EXISTS items;"))
    assert change.if_exists and not schema_changes(parse_migration("DROP TABLE items;"))[0].if_exists


def test_foreign_key_targets_are_touched_and_locked() -> None:
    parsed = parse_migration(
        "CREATE TABLE notes (id uuid PRIMARY KEY, item_id uuid REFERENCES items (id));\n"
        "ALTER TABLE notes ADD CONSTRAINT notes_brand_fk FOREIGN KEY (brand_id) REFERENCES brands (id);\n"
        "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE items SET name = '';\n"
    )
    create, alter, enum, update = parsed.statements
    assert tables_touched(create) == {"notes", "items"} == tables_locked(create)
    assert tables_touched(alter) == {"notes", "brands"}
    assert tables_locked(enum) == set() and tables_locked(update) == set()
    assert unfiltered_writes(parsed) == [("items", 4, "UPDATE")]


DO_BLOCK = """SET lock_timeout = '1s';
DO $$
DECLARE n int;
BEGIN
  SELECT count(*) INTO n FROM items;
  IF n > 0 THEN
    ALTER TABLE items RENAME COLUMN name TO title;
  END IF;
  CREATE INDEX items_title_idx
    ON items (title);
  UPDATE items SET title = lower(title);
  EXECUTE 'ALTER TABLE items DROP COLUMN note';
  EXECUTE format('ALTER TABLE %I DROP COLUMN x', tbl);
  RETURN;
EXCEPTION WHEN undefined_column THEN
  DELETE FROM items;
END $$;
CREATE FUNCTION listed() RETURNS SETOF items LANGUAGE plpgsql AS $body$
BEGIN
  RETURN QUERY EXECUTE format('SELECT * FROM %I', TG_TABLE_NAME);
END $body$;
CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$
  DELETE FROM items WHERE id IS NULL;
  DROP TABLE old_items;
$$;
"""


def test_do_blocks_and_function_bodies_are_read() -> None:
    parsed = parse_migration(DO_BLOCK)
    assert parsed.error is None
    assert [(s.kind, s.line, s.body_of) for s in parsed.nested] == [
        ("other", 5, 2),
        ("rename", 7, 2),
        ("create_index", 9, 2),
        ("other", 11, 2),
        ("alter_table", 12, 2),
        ("other", 16, 2),
        ("other", 23, 22),
        ("drop", 24, 22),
    ]
    assert [(c.action, c.table, c.target, c.line) for c in schema_changes(parsed)] == [
        ("rename_column", "items", "name", 7),
        ("drop_column", "items", "note", 12),
        ("drop_table", "old_items", None, 24),
    ]
    assert [(i.table, i.line, i.concurrent) for i in indexes_created(parsed)] == [("items", 9, False)]
    assert unfiltered_writes(parsed) == [("items", 11, "UPDATE"), ("items", 16, "DELETE")]
    # only the EXECUTE whose SQL is built at run time is unreadable; RETURN QUERY EXECUTE only reads rows
    assert [(u.line, "run time" in u.reason) for u in parsed.unreadable] == [(13, True)]
    assert statement_at(parsed, 10) == parsed.nested[2]


def test_linted_text_writes_body_statements_at_their_lines() -> None:
    parsed = parse_migration(DO_BLOCK)
    assert parsed.linted_text is not None
    lines = parsed.linted_text.split("\n")
    assert len(lines) == len(DO_BLOCK.split("\n"))
    assert lines[0] == "SET lock_timeout = '1s';"
    assert "CREATE INDEX items_title_idx ON items (title);" in lines[8]
    assert "RENAME" in lines[6] and "DO" not in parsed.linted_text and "FUNCTION" not in parsed.linted_text
    assert parse_migration("CREATE TABLE t (id int);").linted_text is None


def test_unreadable_bodies_are_listed() -> None:
    parsed = parse_migration("DO LANGUAGE plv8 $$ plv8.execute('DROP TABLE items') $$;\nDO $$ BEGIN NOT SQL; END $$;\n")
    assert [u.line for u in parsed.unreadable] == [1, 2]


@pytest.mark.skipif(not squawk_available(), reason="squawk-cli not installed")
def test_squawk_lints_body_statements_at_their_lines(tmp_path: Path) -> None:
    linted = tmp_path / "0002.sql"
    linted.write_text(parse_migration(DO_BLOCK).linted_text or "")
    found = {(f.line, f.rule) for f in run_squawk({"m.sql": str(linted)})}
    assert (9, "require-concurrent-index-creation") in found
    assert (7, "renaming-column") in found


def test_squawk_timeout_and_failure_become_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import subprocess

    migration = tmp_path / "0001.sql"
    migration.write_text("SELECT 1;\n")
    monkeypatch.setattr("scaffold.parsers.sql.squawk_executable", lambda: "/bin/squawk")

    def too_slow(*_args: object, **_kwargs: object) -> None:
        raise subprocess.TimeoutExpired("squawk", 60)

    monkeypatch.setattr(subprocess, "run", too_slow)
    with pytest.raises(RuntimeError, match="did not finish"):
        run_squawk({"m.sql": str(migration)})

    def crashed(*_args: object, **_kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 2, stdout="", stderr="thread 'main' panicked")

    monkeypatch.setattr(subprocess, "run", crashed)
    with pytest.raises(RuntimeError, match="panicked"):
        run_squawk({"m.sql": str(migration)})


def test_string_widening_needs_no_rewrite() -> None:
    (table,) = tables_created(parse_migration("CREATE TABLE t (a varchar(64), b varchar, c text, d int4);"))
    a, b, c, d = table.columns
    assert a.modifiers == (64,) and b.modifiers == ()
    changes = schema_changes(
        parse_migration("ALTER TABLE t ALTER a TYPE varchar(255), ALTER a TYPE varchar(8), ALTER a TYPE text;")
    )
    wider, narrower, text = (change.new_type for change in changes)
    assert wider is not None and narrower is not None and text is not None
    assert is_widening(a, wider) and is_widening(a, text) and is_widening(c, text)
    assert not is_widening(a, narrower) and not is_widening(b, wider) and not is_widening(d, text)


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
